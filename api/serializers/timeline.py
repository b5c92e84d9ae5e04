from rest_framework import serializers


class TimelineDaySerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True, help_text="Local day where taken; null: undated")
    count = serializers.IntegerField()
