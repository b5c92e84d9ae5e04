import datetime as dt

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.models import Photo
from api.models.photo import DateSource
from api.serializers.fields import IdField
from api.serializers.places import PlaceSerializer
from api.services.photos import BULK_ACTIONS
from api.services.steps import photo_steps_state


def taken_at_iso(photo: Photo) -> str | None:
    """ISO 8601 in the photo's own offset when known; a local time without offset otherwise.

    Without a known zone the stored instant is the camera's wall-clock time read as UTC, so
    printing an offset would claim a precision the photo does not have.
    """
    if photo.taken_at is None:
        return None
    if photo.tz_offset is None:
        return photo.taken_at.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    zone = dt.timezone(dt.timedelta(minutes=photo.tz_offset))
    return photo.taken_at.astimezone(zone).isoformat()


@extend_schema_field(
    {
        "type": "string",
        # Not format date-time: that requires an offset, which a photo without a known zone
        # does not have (the schema promised one and schemathesis caught it).
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2})?$",
        "description": "ISO 8601 local time where the photo was taken, with its UTC offset"
        " when known (2019-07-04T18:30:00+02:00), without one otherwise (2019-07-04T18:30:00)",
        "nullable": True,
    }
)
class TakenAtField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, photo: Photo) -> str | None:
        return taken_at_iso(photo)


class ThumbnailUrlsSerializer(serializers.Serializer):
    small = serializers.CharField(help_text="At most 256 px on the longest side.")
    big = serializers.CharField(help_text="At most 1440 px on the longest side.")


def _thumbnails(photo: Photo, photos_url: str | None = None) -> dict:
    base = f"{photos_url or reverse('photo-list')}{photo.pk}/thumbnail/"
    return {"small": f"{base}small/", "big": f"{base}big/"}


class _ThumbnailsField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, photo: Photo) -> dict:
        return _thumbnails(photo)


class PhotoListSerializer(serializers.ModelSerializer):
    """A grid cell: what a front-end lays out and links, nothing read from other tables.

    The fields declare the shape (and the schema); `to_representation` builds the dict by hand
    because DRF's per-field machinery costs more than the query for a page of 100.
    """

    taken_at = TakenAtField()
    thumbnails = extend_schema_field(ThumbnailUrlsSerializer)(_ThumbnailsField)()

    class Meta:
        model = Photo
        fields = [
            "id",
            "taken_at",
            "taken_date",
            "width",
            "height",
            "is_video",
            "duration",
            "favorite",
            "hidden",
            "in_trash",
            "rating",
            "mime",
            "thumbnails",
        ]
        read_only_fields = fields

    def to_representation(self, photo: Photo) -> dict:
        if not hasattr(self, "_photos_url"):
            # One serializer instance renders a whole page: resolve the URL prefix once.
            self._photos_url = reverse("photo-list")
        return {
            "id": photo.pk,
            "taken_at": taken_at_iso(photo),
            "taken_date": photo.taken_date.isoformat() if photo.taken_date else None,
            "width": photo.width,
            "height": photo.height,
            "is_video": photo.is_video,
            "duration": photo.duration,
            "favorite": photo.favorite,
            "hidden": photo.hidden,
            "in_trash": photo.in_trash,
            "rating": photo.rating,
            "mime": photo.mime,
            "thumbnails": _thumbnails(photo, self._photos_url),
        }


class FaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    box = serializers.ListField(
        child=serializers.IntegerField(),
        min_length=4,
        max_length=4,
        help_text="top, right, bottom, left",
    )
    person = serializers.IntegerField(allow_null=True)
    person_name = serializers.CharField(allow_null=True, help_text="null: unnamed or no person")


class StepStateSerializer(serializers.Serializer):
    state = serializers.CharField()
    version = serializers.CharField()
    error = serializers.CharField(required=False)


class PhotoDetailSerializer(PhotoListSerializer):
    """Everything about one photo. `place`, `tags` and `faces` fill in as enrichment lands."""

    files = serializers.SerializerMethodField()
    place = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    faces = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    exposure = serializers.FloatField(
        source="exposure_time", read_only=True, allow_null=True, help_text="seconds"
    )
    # Declared for the schema: empty until the metadata is read (schemathesis caught the enum
    # that did not allow it).
    date_source = serializers.ChoiceField(
        choices=DateSource.choices,
        allow_blank=True,
        read_only=True,
        help_text="where taken_at came from; empty until the metadata is read",
    )
    exposure_time = serializers.FloatField(read_only=True, allow_null=True, help_text="seconds")
    timezone_offset = serializers.IntegerField(
        source="tz_offset",
        read_only=True,
        allow_null=True,
        help_text="Minutes east of UTC where taken; null when the zone is unknown",
    )
    size = serializers.SerializerMethodField(help_text="Bytes of the original")
    motion = serializers.SerializerMethodField(
        help_text="A motion photo: its video is at /api/photos/{id}/motion/"
    )

    to_representation = serializers.ModelSerializer.to_representation

    class Meta(PhotoListSerializer.Meta):
        fields = [
            *PhotoListSerializer.Meta.fields,
            "tz_offset",
            "date_source",
            "camera_make",
            "camera_model",
            "lens",
            "exposure",
            "exposure_time",
            "timezone_offset",
            "size",
            "f_number",
            "iso",
            "focal_length",
            "gps_lat",
            "gps_lon",
            "gps_alt",
            "orientation",
            "partial",
            "caption",
            "rejected",
            "motion",
            "trashed_at",
            "place",
            "tags",
            "faces",
            "steps",
            "files",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_files(self, photo: Photo) -> list[str]:
        """Paths of the files holding these bytes (prefetched by the detail selector); only
        the owner sees them, not a user the photo's album is shared with."""
        request = self.context.get("request")
        if request is not None and request.user.pk != photo.owner_id:
            return []
        return [file.path for file in photo.files.all()]

    def get_size(self, photo: Photo) -> int | None:
        """Bytes of the original (from the prefetched files; every file has the same bytes)."""
        sizes = [file.size for file in photo.files.all() if not file.missing]
        return sizes[0] if sizes else None

    @extend_schema_field(PlaceSerializer(allow_null=True))
    def get_place(self, photo: Photo) -> dict | None:
        """`{"country", "state", "city"}` (place and parents joined by the detail selector)."""
        return photo.place.path() if photo.place_id else None

    def get_motion(self, photo: Photo) -> bool:
        return bool(photo.motion_path or photo.motion_offset)

    def get_tags(self, photo: Photo) -> list[str]:
        """Tag names, most confident first (prefetched by the detail selector)."""
        return list(dict.fromkeys(tag.name for tag in photo.tags.all()))

    @extend_schema_field(FaceSerializer(many=True))
    def get_faces(self, photo: Photo) -> list[dict]:
        """Faces left to right (prefetched by the detail selector), boxes in displayed pixels."""
        return [
            {
                "id": face.pk,
                "box": face.box,
                "person": face.person_id,
                "person_name": face.person.name if face.person_id else None,
            }
            for face in photo.faces.all()
        ]

    @extend_schema_field(
        serializers.DictField(child=StepStateSerializer(), help_text="by step name")
    )
    def get_steps(self, photo: Photo) -> dict[str, dict]:
        """Each step's state ("pending" while not run yet, "done", "failed", "skipped",
        "retrying") and version, so a client can say the photo is still processing."""
        return photo_steps_state(photo)


class PhotoUpdateSerializer(serializers.Serializer):
    """What a user may change on a photo; everything else comes from the file."""

    favorite = serializers.BooleanField(required=False)
    hidden = serializers.BooleanField(required=False)
    rating = serializers.IntegerField(required=False, min_value=0, max_value=5)
    caption = serializers.CharField(required=False, allow_blank=True, max_length=10_000)
    in_trash = serializers.BooleanField(
        required=False, help_text="true moves the photo to the trash, false restores it"
    )


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="An image or a video; its type is read from its bytes.")


class UploadResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The photo, new (201) or already there (200).")
    job = serializers.IntegerField(
        allow_null=True, help_text="The job finishing metadata and thumbnails; null if known."
    )


class VideoStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["pending", "failed"])
    detail = serializers.CharField(required=False, help_text="Why the transcode failed")


class PhotoBulkSerializer(serializers.Serializer):
    ids = serializers.ListField(child=IdField(), min_length=1, max_length=10_000)
    action = serializers.ChoiceField(choices=BULK_ACTIONS)


class PhotoBulkResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="Photos changed (those already so are not)")


class PhotoDownloadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=IdField(),
        min_length=1,
        max_length=10_000,
        help_text="Photo ids; a form may repeat the field (ids=1&ids=2)",
    )
