"""Suggestions while typing in the search box: the caller's people, places, tags and dates
that match what was typed so far, each with the filter that shows its photos."""

import calendar
import datetime as dt

from django.db.models import Q

from api.models import Person, Photo, PhotoTag, Place, User
from api.selectors.things import tag_vocabulary
from api.selectors.timeline import month_bounds, place_labels, timeline_months

LIMIT = 10
PER_KIND = 4
_MONTHS = {calendar.month_name[i].lower(): i for i in range(1, 13)}


def _word_start(text: str) -> Q:
    """Names starting with `text`, or with a word of theirs starting with it ("smi" finds
    "Anna Smith")."""
    return Q(name__istartswith=text) | Q(name__icontains=f" {text}")


def search_suggest(*, user: User, text: str) -> list[dict]:
    """At most LIMIT suggestions `{"kind", "label", "filter"}` for `text`: people, places,
    tags, then dates (a year, or a month name with an optional year). A few indexed queries:
    candidates by name first, then one existence check each among the user's photos."""
    text = " ".join(text.split())
    if not text:
        return []
    suggestions = _people(user, text) + _places(user, text) + _tags(user, text)
    return (suggestions + _dates(user, text))[:LIMIT]


def _people(user: User, text: str) -> list[dict]:
    people = Person.objects.for_user(user).filter(_word_start(text), hidden=False)
    rows = people.order_by("name").values_list("id", "name")[:PER_KIND]
    return [{"kind": "person", "label": name, "filter": {"person": pk}} for pk, name in rows]


def _places(user: User, text: str) -> list[dict]:
    candidates = list(
        Place.objects.filter(_word_start(text))
        .order_by("level", "name")
        .values_list("id", flat=True)[: PER_KIND * 3]
    )
    photos = Photo.objects.for_user(user).in_library()
    found = [pk for pk in candidates if photos.in_place(pk).exists()][:PER_KIND]
    labels = place_labels(place_ids=set(found))
    return [{"kind": "place", "label": labels[pk], "filter": {"place_id": pk}} for pk in found]


def _tags(user: User, text: str) -> list[dict]:
    lowered = text.lower()
    names = [
        name
        for name in tag_vocabulary(owner=user)
        if name.lower().startswith(lowered) or f" {lowered}" in name.lower()
    ]
    tags = PhotoTag.objects.for_user(user).filter(photo__hidden=False, photo__in_trash=False)
    found = []
    for name in sorted(names, key=len):
        if tags.filter(name=name).exists():
            found.append({"kind": "tag", "label": name, "filter": {"tag": name}})
            if len(found) == PER_KIND:
                break
    return found


def _dates(user: User, text: str) -> list[dict]:
    """A year ("201" → the years of the 2010s with photos) or a month ("jul", "july 2019")."""
    words = text.lower().split()
    month_word = next((w for w in words if not w.isdigit()), None)
    year_prefix = next((w for w in words if w.isdigit()), "")
    if len(words) > 2 or (month_word is None and not year_prefix):
        return []
    wanted = set()
    if month_word is not None:
        wanted = {number for name, number in _MONTHS.items() if name.startswith(month_word)}
        if len(month_word) < 3 or not wanted:
            return []
    library = Photo.objects.for_user(user).in_library()
    months = [month for month, _ in timeline_months(photos=library) if month is not None]
    months = [month for month in months if month.startswith(year_prefix)]
    if month_word is None:
        years = list(dict.fromkeys(month[:4] for month in months))
        return [_year(year) for year in years[:PER_KIND]]
    found = [month for month in months if int(month[5:7]) in wanted]
    return [_month(month) for month in found[:PER_KIND]]


def _year(year: str) -> dict:
    filters = {"taken_after": f"{year}-01-01", "taken_before": f"{year}-12-31"}
    return {"kind": "date", "label": year, "filter": filters}


def _month(month: str) -> dict:
    first, following = month_bounds(month)
    last = following - dt.timedelta(days=1)
    label = f"{calendar.month_name[first.month]} {first.year}"
    filters = {"taken_after": first.isoformat(), "taken_before": last.isoformat()}
    return {"kind": "date", "label": label, "filter": filters}
