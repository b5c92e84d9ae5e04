"""The search box parser on a table of queries (a fixed "today": 2024-10-15, a Tuesday)."""

import datetime as dt

import pytest

from api.models import Person, Place
from api.search.query import query_parse
from tests.factories import PhotoFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2024, 10, 15)
TAGS = ["beach", "birthday cake", "outdoor", "forest"]
D = dt.date


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019", {"date_from": D(2019, 1, 1), "date_to": D(2019, 12, 31), "text": ""}),
        ("july 2019", {"date_from": D(2019, 7, 1), "date_to": D(2019, 7, 31)}),
        ("Feb 2020", {"date_from": D(2020, 2, 1), "date_to": D(2020, 2, 29)}),
        ("beach last summer", {"tags": ["beach"], "date_from": D(2024, 6, 1)}),
        ("last summer", {"date_from": D(2024, 6, 1), "date_to": D(2024, 8, 31)}),
        ("this spring", {"date_from": D(2024, 3, 1), "date_to": D(2024, 5, 31)}),
        ("yesterday", {"date_from": D(2024, 10, 14), "date_to": D(2024, 10, 14)}),
        ("today", {"date_from": TODAY, "date_to": TODAY}),
        ("last year", {"date_from": D(2023, 1, 1), "date_to": D(2023, 12, 31)}),
        ("last month", {"date_from": D(2024, 9, 1), "date_to": D(2024, 9, 30)}),
        ("this week", {"date_from": D(2024, 10, 14), "date_to": D(2024, 10, 20)}),
        ("2019-07-14", {"date_from": D(2019, 7, 14), "date_to": D(2019, 7, 14)}),
        ("july", {"month": 7, "date_from": None}),
        ("dog on a beach", {"text": "dog on a", "tags": ["beach"], "meaning": "dog on a beach"}),
        ("beach 2019", {"text": "", "tags": ["beach"], "meaning": "beach"}),
        ("Birthday Cake 2021", {"tags": ["birthday cake"], "date_from": D(2021, 1, 1)}),
        ("birthday party", {"text": "birthday party", "tags": []}),
        ("trees in a valley", {"text": "trees in a valley", "tags": []}),
        ("anna paris 2019", {"text": "anna paris", "date_to": D(2019, 12, 31)}),
        ("", {"text": "", "tags": [], "date_from": None}),
        ("2019-02-30", {"text": "2019-02-30", "date_from": None}),
    ],
)
def test_query_parse(text, expected, user):
    parsed = query_parse(text=text, owner=user, tags=TAGS, today=TODAY)
    for name, value in expected.items():
        assert getattr(parsed, name) == value, name


def test_last_summer_in_july_is_the_summer_before(user):
    parsed = query_parse(text="last summer", owner=user, tags=[], today=D(2024, 7, 2))
    assert (parsed.date_from, parsed.date_to) == (D(2023, 6, 1), D(2023, 8, 31))


def test_a_named_person_of_the_owner_is_recognised_by_full_or_first_name(user, other_user):
    anna = Person.objects.create(owner=user, name="Anna Smith")
    Person.objects.create(owner=other_user, name="Paris Hilton")
    parsed = query_parse(text="anna paris 2019", owner=user, tags=TAGS, today=TODAY)
    assert parsed.people == [anna.pk]
    assert parsed.text == "paris"
    assert query_parse(text="anna smith", owner=user, tags=[], today=TODAY).people == [anna.pk]


def _place(*names: str) -> Place:
    """A country > region > city chain; returns the last."""
    parent = None
    for level, name in enumerate(names):
        parent, _ = Place.objects.get_or_create(level=level, parent=parent, name=name)
    return parent


def test_anna_in_paris_2019_is_a_person_a_place_and_a_year(user, other_user):
    anna = Person.objects.create(owner=user, name="Anna Smith")
    PhotoFactory(owner=user, place=_place("France", "Île-de-France", "Paris"))
    PhotoFactory(owner=other_user, place=_place("France", "Auvergne-Rhône-Alpes", "Lyon"))
    parsed = query_parse(text="Anna in Paris 2019", owner=user, tags=TAGS, today=TODAY)
    assert (parsed.people, parsed.places, parsed.text) == ([anna.pk], ["Paris"], "")
    assert parsed.meaning == ""
    assert (parsed.date_from, parsed.date_to) == (D(2019, 1, 1), D(2019, 12, 31))
    # A region or country names a place too; another user's town is only a word.
    assert query_parse(text="france", owner=user, tags=[], today=TODAY).places == ["France"]
    lyon = query_parse(text="lyon", owner=user, tags=[], today=TODAY)
    assert (lyon.places, lyon.text) == ([], "lyon")


def test_a_tag_wins_over_a_place_of_the_same_name(user):
    PhotoFactory(owner=user, place=_place("United States", "North Dakota", "Beach"))
    parsed = query_parse(text="dog on a beach", owner=user, tags=TAGS, today=TODAY)
    assert (parsed.tags, parsed.places, parsed.text) == (["beach"], [], "dog on a")
    assert query_parse(text="beach", owner=user, tags=[], today=TODAY).places == ["Beach"]


def test_hidden_and_unnamed_people_are_no_words_of_a_query(user):
    Person.objects.create(owner=user, name="Anna", hidden=True)
    Person.objects.create(owner=user, name="")
    parsed = query_parse(text="anna", owner=user, tags=[], today=TODAY)
    assert (parsed.people, parsed.text) == ([], "anna")
