"""The timeline: day buckets in one aggregate query over the partial (owner, taken_date) index."""

import datetime as dt

from django.db import connections
from django.db.models import Count, QuerySet

from api.models import Photo
from api.selectors.photos import photo_list


def timeline_days(*, photos: QuerySet[Photo]) -> list[tuple[str | None, int]]:
    """`("YYYY-MM-DD", count)` newest day first, undated photos last with day None.

    `taken_date` is the day where the photo was taken (camera-local), so a photo shot at 23:30
    on 4 July stays on 4 July whatever the server's zone. Hidden and trashed photos are left
    out. The query orders by the bare index column (an index-only scan, no sort); databases
    disagree on where NULL goes, so the undated bucket is moved last here. A library has
    thousands of days: rows skip the ORM's per-row converters (SQLite already gives ISO text,
    PostgreSQL a date whose str() is the same).
    """
    query = (
        photos.in_library()
        .order_by()
        .values("taken_date")
        .annotate(count=Count("*"))
        .order_by("-taken_date")
        .values_list("taken_date", "count")
    )
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(day if day is None else str(day), count) for day, count in cursor.fetchall()]
    return [row for row in rows if row[0] is not None] + [row for row in rows if row[0] is None]


def timeline_day_photos(*, photos: QuerySet[Photo], day: dt.date) -> QuerySet[Photo]:
    """The photos of one local day, newest first, hidden and trashed left out."""
    return photo_list(photos=photos.in_library().filter(taken_date=day))
