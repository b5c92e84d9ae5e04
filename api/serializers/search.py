from rest_framework import serializers

from api.models import Photo
from api.serializers.photos import PhotoListSerializer


class RankedPhotoSerializer(PhotoListSerializer):
    """A grid cell with its rank score (higher is better), from context["scores"]."""

    score = serializers.SerializerMethodField()

    class Meta(PhotoListSerializer.Meta):
        fields = [*PhotoListSerializer.Meta.fields, "score"]
        read_only_fields = fields

    def get_score(self, photo: Photo) -> float:
        return self.context["scores"][photo.pk]

    def to_representation(self, photo: Photo) -> dict:
        # The grid row is built by hand (see PhotoListSerializer); the score goes on top.
        return {**super().to_representation(photo), "score": self.get_score(photo)}


class RankedPhotosSerializer(serializers.Serializer):
    """A ranked answer: best first; `warnings` says what was left out (a missing model)."""

    results = RankedPhotoSerializer(many=True)
    warnings = serializers.ListField(child=serializers.CharField())


class ImageQuerySerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An image; it is not stored in the library.")


class SearchSuggestionSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["person", "place", "tag", "date"])
    label = serializers.CharField(help_text='What to show: "Anna", "Paris, France", "July 2019"')
    filter = serializers.DictField(
        help_text='Filters of /api/photos/ that show its photos, e.g. {"person": 3}'
    )
