"""Reading a search box: known people, places, tags and dates come out of the words, the
rest stays free text for CLIP and captions. "anna paris 2019" -> person Anna, place Paris,
the year 2019; "beach last summer" -> tag beach, June to August of the last summer past.

Phrases of up to four words are matched longest first: a person of the owner's (full or
first name), then a tag, then a place the owner has photos in (so "beach" stays the tag and
another user's towns are not words of this one's queries). Words that only joined the
entities ("anna in paris") are not left over as free text.
"""

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

from django.db.models import Q

from api.models import Person, Photo, Place, User

MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11)}
_WORD = re.compile(r"[\w'-]+")
# Words that only join the entities of a query; alone they are no free text.
_JOINING = frozenset(
    [
        "a",
        "an",
        "and",
        "at",
        "by",
        "during",
        "from",
        "in",
        "near",
        "of",
        "on",
        "photo",
        "photos",
        "picture",
        "pictures",
        "the",
        "to",
        "with",
    ]
)


@dataclass
class ParsedQuery:
    # The words no entity took (captions are matched on them).
    text: str = ""
    # What CLIP reads: those words with the tags among them, in the query's order ("dog on a
    # beach" keeps "beach" for CLIP as well as matching the tag).
    meaning: str = ""
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
            "meaning": self.meaning,
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
    vocabulary = {tag.lower(): tag for tag in tags}
    places = _place_names(owner, _phrases(words))
    rest: list[str] = []
    meaning: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(_LONGEST, len(words) - index), 0, -1):
            phrase = " ".join(words[index : index + size])
            if phrase in people:
                parsed.people.extend(people[phrase])
            elif phrase in vocabulary:
                parsed.tags.append(vocabulary[phrase])
                meaning.append(phrase)
            elif phrase in places:
                parsed.places.append(places[phrase])
            else:
                continue
            index += size
            break
        else:
            rest.append(words[index])
            meaning.append(words[index])
            index += 1
    if (parsed.structured or parsed.tags) and set(rest) <= _JOINING:
        rest = []
    if set(" ".join(meaning).split()) <= _JOINING:
        meaning = []
    parsed.text = " ".join(rest)
    parsed.meaning = " ".join(meaning)
    return parsed


_LONGEST = 4


def _phrases(words: list[str]) -> set[str]:
    return {
        " ".join(words[start : start + size])
        for start in range(len(words))
        for size in range(1, min(_LONGEST, len(words) - start) + 1)
    }


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
    names: dict[str, list[int]] = {}
    people = Person.objects.for_user(owner).filter(hidden=False).exclude(name=None).exclude(name="")
    for pk, name in people.values_list("id", "name"):
        for key in {name.lower(), name.split()[0].lower()}:
            names.setdefault(key, []).append(pk)
    return names


def _place_names(owner: User, phrases: set[str]) -> dict[str, str]:
    """The phrases that name a place (any level) where `owner` has a photo: one indexed-size
    lookup of the query's phrases, then one existence check per name found."""
    if not phrases:
        return {}
    named = Q()
    for phrase in phrases:
        named |= Q(name__iexact=phrase)
    found = {}
    for name in Place.objects.filter(named).values_list("name", flat=True).distinct():
        if Photo.objects.filter(owner=owner).at_place(name).exists():
            found[name.lower()] = name
    return found
