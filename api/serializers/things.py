from rest_framework import serializers


class ThingSerializer(serializers.Serializer):
    tag = serializers.CharField()
    count = serializers.IntegerField(help_text="photos with this tag")
    photo = serializers.IntegerField(help_text="a photo with this tag, for its thumbnail")
