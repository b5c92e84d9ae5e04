from rest_framework import serializers


class ThingSerializer(serializers.Serializer):
    tag = serializers.CharField()
    count = serializers.IntegerField(help_text="photos with this tag")
