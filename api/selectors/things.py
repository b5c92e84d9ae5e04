"""Reads of tags: what the caller's library shows, and how often."""

from django.db.models import Count, Max, QuerySet

from api.ml import scenes
from api.models import Photo, PhotoTag

# Tags that people wrote, not a model: always searchable by their exact words.
KEYWORD_SOURCES = ("xmp", "takeout")


def things_list(*, photos: QuerySet[Photo]) -> list[dict]:
    """[{"tag", "count", "photo"}] over `photos` (already scoped and filtered), most frequent
    first; `photo` is one photo with the tag (the newest added), for its thumbnail."""
    rows = (
        PhotoTag.objects.filter(photo__in=photos.values("pk"))
        .values("name")
        .annotate(count=Count("photo", distinct=True), photo=Max("photo"))
        .order_by("-count", "name")
    )
    return [{"tag": row["name"], "count": row["count"], "photo": row["photo"]} for row in rows]


def tag_vocabulary(*, photos: QuerySet[Photo]) -> list[str]:
    """The tag names a query's words are matched against: the installed scene model's labels
    (read from its files, so a million-photo library is not scanned at every search) and the
    keywords people gave (XMP, IPTC, import sidecars), else every tag name on `photos`."""
    if vocabulary := scenes.scenes_vocabulary():
        keywords = (
            PhotoTag.objects.filter(photo__in=photos.values("pk"), source__in=KEYWORD_SOURCES)
            .values_list("name", flat=True)
            .distinct()
        )
        return sorted(set(vocabulary) | set(keywords))
    return list(
        PhotoTag.objects.filter(photo__in=photos.values("pk"))
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )
