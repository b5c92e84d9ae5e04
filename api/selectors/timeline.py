"""The timeline: day buckets in one aggregate query over the (owner, taken_date) index."""

import datetime as dt

from django.db.models import Count, F, QuerySet

from api.models import Photo
from api.selectors.photos import photo_list


def timeline_days(*, photos: QuerySet[Photo]) -> QuerySet:
    """`[{"date", "count"}]` newest day first, undated photos last with date None.

    `taken_date` is the day where the photo was taken (camera-local), so a photo shot at 23:30
    on 4 July stays on 4 July whatever the server's zone. Hidden and trashed photos are left out.
    """
    return (
        photos.in_library()
        .order_by()
        .values(date=F("taken_date"))
        .annotate(count=Count("id"))
        .order_by(F("taken_date").desc(nulls_last=True))
    )


def timeline_day_photos(*, photos: QuerySet[Photo], day: dt.date) -> QuerySet[Photo]:
    """The photos of one local day, newest first, hidden and trashed left out."""
    return photo_list(photos=photos.in_library().filter(taken_date=day))
