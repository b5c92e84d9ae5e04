from rest_framework import serializers

from api.serializers.photos import PhotoListSerializer


class DuplicateGroupSerializer(serializers.Serializer):
    best = serializers.IntegerField(help_text="the suggested copy to keep")
    photos = PhotoListSerializer(many=True)


class DuplicatesResolveSerializer(serializers.Serializer):
    keep = serializers.IntegerField(help_text="the photo to keep")
    trash = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, help_text="the copies to move to trash"
    )
