"""Reads of photos shaped for their serializers: a grid page costs the same few queries."""

from django.db.models import F, Prefetch, QuerySet

from api.models import Face, File, Photo, PhotoTag

# What a grid cell needs; everything else stays on disk until the detail view.
LIST_FIELDS = (
    "id",
    "owner_id",
    "content_hash",
    "mime",
    "taken_at",
    "taken_date",
    "tz_offset",
    "width",
    "height",
    "is_video",
    "duration",
    "favorite",
    "hidden",
    "in_trash",
    "rating",
)


def photo_list(*, photos: QuerySet[Photo]) -> QuerySet[Photo]:
    """A scoped photo queryset shaped for the list: grid columns only, newest first."""
    return photos.only(*LIST_FIELDS).order_by(F("taken_at").desc(nulls_last=True), F("id").desc())


def photo_detail(*, photos: QuerySet[Photo]) -> QuerySet[Photo]:
    """A scoped photo queryset with its place joined, its files, faces (with their people's
    names) and tags in one query each."""
    files = File.objects.only("id", "photo_id", "path", "missing", "size").order_by("path")
    faces = Face.objects.select_related("person").only(
        "id", "photo_id", "top", "right", "bottom", "left", "person_id", "person__name"
    )
    tags = PhotoTag.objects.only("id", "photo_id", "name").order_by("-score", "name")
    return photos.select_related("place__parent__parent").prefetch_related(
        Prefetch("files", queryset=files),
        Prefetch("faces", queryset=faces.order_by("left")),
        Prefetch("tags", queryset=tags),
    )


def photos_ranked(*, photos: QuerySet[Photo], ids: list[int]) -> list[Photo]:
    """The photos of `photos` with these ids, in the order of `ids` (a ranking), list-shaped."""
    found = {photo.pk: photo for photo in photos.only(*LIST_FIELDS).filter(pk__in=ids)}
    return [found[pk] for pk in ids if pk in found]
