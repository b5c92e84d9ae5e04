from rest_framework import serializers

from api.serializers.fields import IdField
from api.serializers.photos import PhotoListSerializer


class DuplicateGroupSerializer(serializers.Serializer):
    best = serializers.IntegerField(help_text="the suggested copy to keep")
    photos = PhotoListSerializer(many=True)


class DuplicatesResolveSerializer(serializers.Serializer):
    keep = IdField(help_text="the photo to keep")
    trash = serializers.ListField(
        child=IdField(), min_length=1, help_text="the copies to move to trash"
    )
