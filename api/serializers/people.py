from rest_framework import serializers

from api.ingest.face_crops import face_crop_url
from api.models import Face, Person
from api.serializers.fields import IdField


class PersonSerializer(serializers.ModelSerializer):
    cover_url = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "face_count", "cover_face", "cover_url", "hidden"]
        read_only_fields = fields

    def get_cover_url(self, person: Person) -> str | None:
        if person.cover_face_id is None:
            return None
        return face_crop_url(person.cover_face_id)


class PersonPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=256, required=False, allow_blank=False)
    hidden = serializers.BooleanField(required=False)
    cover_face = IdField(
        required=False, help_text="The id of one of the person's faces, shown as their cover."
    )

    def validate(self, attrs: dict) -> dict:
        if not attrs:
            raise serializers.ValidationError("Give `name`, `hidden` or `cover_face`.")
        return attrs


class PersonMergeSerializer(serializers.Serializer):
    into = IdField(help_text="The id of the person who stays.")


class FaceDetailSerializer(serializers.ModelSerializer):
    box = serializers.ListField(
        child=serializers.IntegerField(),
        read_only=True,
        help_text="[top, right, bottom, left] in displayed pixels of the photo.",
    )
    crop_url = serializers.SerializerMethodField(
        help_text="The face's crop, with its version: cached for good by the browser."
    )

    class Meta:
        model = Face
        fields = [
            "id",
            "photo",
            "box",
            "person",
            "person_source",
            "distance",
            "detector",
            "crop_url",
        ]
        read_only_fields = fields

    def get_crop_url(self, face: Face) -> str:
        return face_crop_url(face.pk)


class FacePatchSerializer(serializers.Serializer):
    person = IdField(
        required=False, allow_null=True, help_text="A person id to assign, null to unassign."
    )
    not_person = IdField(required=False, help_text="The id of a person this face is not.")
    name = serializers.CharField(
        required=False,
        max_length=256,
        help_text="A name: the face goes to the person of that name (any case), a new person "
        "when there is none.",
    )

    def validate(self, attrs: dict) -> dict:
        if len(attrs) != 1:
            raise serializers.ValidationError(
                "Give exactly one of `person`, `not_person` or `name`."
            )
        return attrs


class SuggestionSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    name = serializers.CharField(allow_null=True)
    distance = serializers.FloatField(help_text="To the person's nearest face; lower is closer.")
    cover_url = serializers.CharField(allow_null=True)


class FaceReviewSerializer(serializers.Serializer):
    """A face in no person, with the people it looks most like."""

    id = serializers.IntegerField()
    photo = serializers.IntegerField()
    box = serializers.ListField(child=serializers.IntegerField())
    crop_url = serializers.CharField()
    suggestions = SuggestionSerializer(many=True)


class FaceReviewPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Faces in no person, in all.")
    results = FaceReviewSerializer(many=True)
