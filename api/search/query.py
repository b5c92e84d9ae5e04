"""Reading a search box: known people, places, tags and dates come out of the words, the
rest stays free text for CLIP and captions. "anna paris 2019" -> person Anna, place Paris,
the year 2019; "beach last summer" -> tag beach, June to August of the last summer past.

People and places are matched only when their models exist (they come from other steps);
multi-word names are matched longest first.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from django.apps import apps

from api.models import User

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_WORD = re.compile(r"[\w'-]+")


@dataclass
class ParsedQuery:
    text: str = ""
    tags: list[str] = field(default_factory=list)
    people: list[int] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # A month of any year ("july" alone).
    month: int | None = None

    @property
    def structured(self) -> bool:
        return bool(self.people or self.places or self.date_from or self.month)

    def describe(self) -> dict:
        return {
            "text": self.text,
            "tags": self.tags,
            "people": self.people,
            "places": self.places,
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "month": self.month,
        }


def query_parse(
    *, text: str, owner: User, tags: list[str], today: dt.date | None = None
) -> ParsedQuery:
    """Split `text` into the entities `owner` has (tags from `tags`) and free text."""
    today = today or dt.date.today()
    words = [word.lower() for word in _WORD.findall(text)]
    parsed = ParsedQuery()
    words = _dates(words, parsed, today)
    people = _people_names(owner)
    places = _place_names(owner)
    vocabulary = {tag.lower(): tag for tag in tags}
    rest: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(4, len(words) - index), 0, -1):
            phrase = " ".join(words[index : index + size])
            if phrase in people:
                parsed.people.extend(people[phrase])
            elif phrase in places:
                parsed.places.append(places[phrase])
            elif phrase in vocabulary:
                parsed.tags.append(vocabulary[phrase])
            else:
                continue
            index += size
            break
        else:
            rest.append(words[index])
            index += 1
    parsed.text = " ".join(rest)
    return parsed


def _dates(words: list[str], parsed: ParsedQuery, today: dt.date) -> list[str]:
    """Take date expressions out of `words` into `parsed`; returns the other words."""
    rest: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        following = words[index + 1] if index + 1 < len(words) else ""
        consumed = 1
        if word in ("today", "yesterday"):
            day = today - dt.timedelta(days=0 if word == "today" else 1)
            _range(parsed, day, day)
        elif word in ("last", "this") and following in _SEASONS:
            first, last = _SEASONS[following]
            year = today.year
            if word == "last" and today < dt.date(year, last, calendar.monthrange(year, last)[1]):
                year -= 1
            _range(parsed, dt.date(year, first, 1), _month_end(year, last))
            consumed = 2
        elif word in ("last", "this") and following in ("year", "month", "week"):
            _relative(parsed, word == "last", following, today)
            consumed = 2
        elif word in MONTHS and re.fullmatch(r"(19|20)\d\d", following):
            month, year = MONTHS[word], int(following)
            _range(parsed, dt.date(year, month, 1), _month_end(year, month))
            consumed = 2
        elif re.fullmatch(r"(19|20)\d\d", word):
            _range(parsed, dt.date(int(word), 1, 1), dt.date(int(word), 12, 31))
        elif re.fullmatch(r"\d{4}-\d\d-\d\d", word):
            try:
                day = dt.date.fromisoformat(word)
            except ValueError:
                rest.append(word)
            else:
                _range(parsed, day, day)
        elif word in MONTHS and len(word) > 3:
            parsed.month = MONTHS[word]
        else:
            rest.append(word)
        index += consumed
    return rest


def _relative(parsed: ParsedQuery, last: bool, unit: str, today: dt.date) -> None:
    if unit == "year":
        year = today.year - last
        _range(parsed, dt.date(year, 1, 1), dt.date(year, 12, 31))
    elif unit == "month":
        first = today.replace(day=1)
        if last:
            first = (first - dt.timedelta(days=1)).replace(day=1)
        _range(parsed, first, _month_end(first.year, first.month))
    else:
        monday = today - dt.timedelta(days=today.weekday() + (7 if last else 0))
        _range(parsed, monday, monday + dt.timedelta(days=6))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _range(parsed: ParsedQuery, start: dt.date, end: dt.date) -> None:
    """Narrow the date range (two date words intersect: "july 2019 2019")."""
    parsed.date_from = max(start, parsed.date_from) if parsed.date_from else start
    parsed.date_to = min(end, parsed.date_to) if parsed.date_to else end


def _people_names(owner: User) -> dict[str, list[int]]:
    try:
        person = apps.get_model("api", "Person")
    except LookupError:
        return {}
    names: dict[str, list[int]] = {}
    for pk, name in person.objects.for_user(owner).exclude(name=None).values_list("id", "name"):
        for key in {name.lower(), name.split()[0].lower()}:
            names.setdefault(key, []).append(pk)
    return names


def _place_names(owner: User) -> dict[str, str]:
    try:
        place = apps.get_model("api", "Place")
    except LookupError:
        return {}
    names = place.objects.values_list("name", flat=True).distinct()
    return {name.lower(): name for name in names}
