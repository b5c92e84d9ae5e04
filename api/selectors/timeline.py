"""The timeline: day and month buckets in one aggregate query over the (owner, taken_date)
index, and a month's rows as parallel lists for the web grid."""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, F, QuerySet, TextField
from django.db.models.functions import Cast

from api.models import Photo, Place
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


# The order of the month endpoints' rows: that of /api/photos/ (newest first, then id).
MONTH_ORDER = (F("taken_at").desc(nulls_last=True), F("id").desc())
_MONTH_COLUMNS = (
    "id",
    "width",
    "height",
    "taken_at_text",
    "tz_offset",
    "taken_date",
    "is_video",
    "duration",
    "favorite",
    "place_id",
)


@dataclass(frozen=True)
class MonthRows:
    """One month of photos as parallel lists (index i is one photo), for a grid to lay out."""

    ids: list[int]
    widths: list[int | None]
    heights: list[int | None]
    taken_at: list[str | None]
    dates: list[str | None]
    durations: list[float | None]
    favorites: list[bool]
    places: dict[str, str]


def timeline_months(*, photos: QuerySet[Photo]) -> list[tuple[str | None, int]]:
    """`("YYYY-MM", count)` newest month first, undated photos last with month None.

    `photos` is already filtered (hidden and trash as the caller asked). One GROUP BY over the
    day, folded into months here: on both databases that reads the (owner, taken_date) index
    only, where grouping by a truncated month would compute the truncation for every row.
    """
    months: dict[str | None, int] = {}
    for day, count in _day_counts(photos):
        month = None if day is None else day[:7]
        months[month] = months.get(month, 0) + count
    return [row for row in months.items() if row[0] is not None] + [
        row for row in months.items() if row[0] is None
    ]


def _day_counts(photos: QuerySet[Photo]) -> list[tuple[str | None, int]]:
    query = (
        photos.order_by()
        .values("taken_date")
        .annotate(count=Count("*"))
        .order_by("-taken_date")
        .values_list("taken_date", "count")
    )
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [(day if day is None else str(day), count) for day, count in cursor.fetchall()]


def month_bounds(month: str | None) -> tuple[dt.date, dt.date] | None:
    """First day of `month` ("YYYY-MM") and of the next one; None for the undated bucket.
    Raises ValueError for a malformed month."""
    if month is None:
        return None
    first = dt.date.fromisoformat(f"{month}-01")
    following = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, following


def timeline_month(*, photos: QuerySet[Photo], month: str | None) -> MonthRows:
    """The photos of one month ("YYYY-MM", None: undated) of `photos` (already filtered),
    newest first, as parallel lists from one `values_list` query, plus one query for the
    labels of the days' most common places. No model instance is built: a month can hold
    tens of thousands of photos."""
    bounds = month_bounds(month)
    if bounds is None:
        rows = photos.filter(taken_date__isnull=True)
    else:
        rows = photos.filter(taken_date__gte=bounds[0], taken_date__lt=bounds[1])
    return _month_rows(rows.order_by(*MONTH_ORDER))


def timeline_sequence(*, photos: QuerySet[Photo]) -> MonthRows:
    """All of `photos` (already filtered and ordered: an album in its own order) as one
    bucket of rows, in the queryset's order."""
    return _month_rows(photos)


def _month_rows(rows: QuerySet[Photo]) -> MonthRows:
    ids, widths, heights, taken_at, dates, durations, favorites = [], [], [], [], [], [], []
    day_places: dict[str, Counter] = defaultdict(Counter)
    for pk, width, height, at, offset, day, is_video, duration, favorite, place_id in _raw_rows(
        # The instant as text: Django's timestamptz loader for PostgreSQL is Python code and
        # took half of a big month's time; fromisoformat in _iso is C.
        rows.annotate(taken_at_text=Cast("taken_at", TextField())).values_list(*_MONTH_COLUMNS)
    ):
        day_iso = None if day is None else str(day)
        ids.append(pk)
        widths.append(width)
        heights.append(height)
        taken_at.append(_iso(at, offset))
        dates.append(day_iso)
        durations.append(duration if is_video else None)
        favorites.append(bool(favorite))
        if place_id is not None and day_iso is not None:
            day_places[day_iso][place_id] += 1
    # Most common place of each day; a tie goes to the place seen first (the newest photo).
    best = {day: counts.most_common(1)[0][0] for day, counts in day_places.items()}
    labels = place_labels(place_ids=set(best.values()))
    places = {day: labels[pk] for day, pk in best.items() if pk in labels}
    return MonthRows(ids, widths, heights, taken_at, dates, durations, favorites, places)


def _raw_rows(query: QuerySet) -> list[tuple]:
    """The rows of a `values_list` query without the ORM's per-value converters (a third of a
    big month's time): SQLite then gives 0/1 for booleans, which bool() takes."""
    sql, params = query.query.sql_with_params()
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _iso(text: str | None, offset: int | None) -> str | None:
    """As `taken_at_iso` of the photo serializers, from the instant as the database prints it
    (PostgreSQL with its UTC offset, SQLite in UTC without one)."""
    if text is None:
        return None
    at = dt.datetime.fromisoformat(text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    if offset is None:
        return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat()
    return at.astimezone(dt.timezone(dt.timedelta(minutes=offset))).isoformat()


def place_labels(*, place_ids: set[int]) -> dict[int, str]:
    """ "City, Country" (or the most precise level known, with its country) per place id, in one
    query that joins the parents."""
    if not place_ids:
        return {}
    places = Place.objects.filter(pk__in=place_ids).select_related("parent__parent")
    labels = {}
    for place in places:
        path = place.path()
        names = [path["city"] or path["state"], path["country"]]
        labels[place.pk] = ", ".join(name for name in names if name)
    return labels


def timeline_range_ids(
    *,
    photos: QuerySet[Photo],
    start: int | None = None,
    end: int | None = None,
    ordered: bool = False,
) -> list[int]:
    """Ids of `photos` (already filtered) in timeline order (month by month, newest first,
    undated last; within a month as the month endpoint), or in the queryset's own order when
    `ordered` (an album's), from `start` to `end` inclusive whichever comes first; all of them
    without bounds. Raises KeyError when a bound is not among `photos`."""
    if ordered:
        ids = [row[0] for row in _raw_rows(photos.values_list("id"))]
    else:
        rows = _raw_rows(photos.order_by(*MONTH_ORDER).values_list("id", "taken_date"))
        # A photo's month comes from its local day, its place within the month from its
        # instant: a stable sort by month keeps the instant order inside each month.
        ids = [pk for pk, _ in sorted(rows, key=lambda row: _month_key(row[1]))]
    if start is None and end is None:
        return ids
    position = {pk: i for i, pk in enumerate(ids)}
    first = position[start if start is not None else end]
    last = position[end if end is not None else start]
    low, high = sorted((first, last))
    return ids[low : high + 1]


def _month_key(day: dt.date | str | None) -> tuple[int, int]:
    """Sort key putting months newest first and the undated last."""
    if day is None:
        return (1, 0)
    text = str(day)
    return (0, -(int(text[:4]) * 12 + int(text[5:7])))
