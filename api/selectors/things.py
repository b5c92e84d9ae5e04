"""Reads of tags: what the caller's library shows, and how often."""

from django.db.models import Count, QuerySet

from api.models import Photo, PhotoTag


def things_list(*, photos: QuerySet[Photo]) -> list[dict]:
    """[{"tag", "count"}] over `photos` (already scoped and filtered), most frequent first."""
    rows = (
        PhotoTag.objects.filter(photo__in=photos.values("pk"))
        .values("name")
        .annotate(count=Count("photo", distinct=True))
        .order_by("-count", "name")
    )
    return [{"tag": row["name"], "count": row["count"]} for row in rows]


def tag_vocabulary(*, photos: QuerySet[Photo]) -> list[str]:
    """Every tag name on `photos`, for matching words of a query."""
    return list(
        PhotoTag.objects.filter(photo__in=photos.values("pk"))
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )
