"""Reads of tags: what the caller's library shows, and how often."""

import time

from django.conf import settings
from django.db.models import Count, Max, QuerySet

from api.ml import scenes
from api.models import Photo, PhotoTag, User

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


def tag_vocabulary(*, owner: User, using: str = "default") -> list[str]:
    """The tag names a query's words are matched against: the installed scene model's labels
    (read from its files) and the keywords people gave (XMP, IPTC, import sidecars), else every
    tag name on the owner's photos. Kept per owner in this process, since reading them costs a
    search at a million photos: read again when a tag was added anywhere (the newest tag id
    moved, one index lookup) or settings.SEARCH_VOCABULARY_SECONDS later (a tag removed)."""
    model = tuple(scenes.scenes_vocabulary())
    marker = (PhotoTag.objects.using(using).aggregate(newest=Max("id"))["newest"], model)
    key = (using, owner.pk)
    now = time.monotonic()
    cached = _vocabularies.get(key)
    if cached and cached[0] == marker and now - cached[1] < settings.SEARCH_VOCABULARY_SECONDS:
        return cached[2]
    tags = PhotoTag.objects.using(using).filter(photo__owner_id=owner.pk)
    if model:
        tags = tags.filter(source__in=KEYWORD_SOURCES)
    names = sorted(set(model) | set(tags.values_list("name", flat=True).distinct()))
    _vocabularies[key] = (marker, now, names)
    return names


# (database, owner id) -> (newest tag id and model labels, when read, names).
_vocabularies: dict[tuple[str, int], tuple[tuple, float, list[str]]] = {}
