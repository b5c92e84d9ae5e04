import datetime as dt

import pytest

from api.models import Face, Person, PhotoTag, Place
from tests.factories import PhotoFactory


@pytest.fixture
def library_facts(user, other_user):
    paris = Place.objects.ensure_path(country_code="FR", country="France", city="Paris")
    Place.objects.ensure_path(country_code="FR", country="France", city="Annecy")  # no photo
    july = dt.datetime(2019, 7, 4, 12, tzinfo=dt.UTC)
    photo = PhotoFactory(owner=user, taken_at=july, place=paris)
    PhotoFactory(owner=user, taken_at=july.replace(year=2021, month=1))
    anna = Person.objects.create(owner=user, name="Anna Smith")
    Person.objects.create(owner=other_user, name="Annabel")
    Face.objects.create(
        photo=photo, top=1, right=9, bottom=9, left=1, encoding=bytes(512), person=anna
    )
    PhotoTag.objects.create(photo=photo, name="beach", score=0.9, source="test", version="1")
    theirs = PhotoFactory(owner=other_user, taken_at=july.replace(year=1999))
    PhotoTag.objects.create(photo=theirs, name="bear", score=0.9, source="test", version="1")
    return {"paris": paris, "anna": anna}


@pytest.mark.django_db
def test_suggestions_are_the_callers_people_places_tags_and_dates(api, library_facts):
    def suggest(q):
        return api.get("/api/search/suggest/", {"q": q}).json()

    assert [s["label"] for s in suggest("an")] == ["Anna Smith"]  # not "Annecy": no photo there
    assert suggest("smi")[0]["filter"] == {"person": library_facts["anna"].pk}
    assert suggest("par") == [
        {
            "kind": "place",
            "label": "Paris, France",
            "filter": {"place_id": library_facts["paris"].pk},
        }
    ]
    assert [s["label"] for s in suggest("fra")] == ["France"]
    assert suggest("be") == [{"kind": "tag", "label": "beach", "filter": {"tag": "beach"}}]
    assert suggest("20") == [
        {
            "kind": "date",
            "label": "2021",
            "filter": {"taken_after": "2021-01-01", "taken_before": "2021-12-31"},
        },
        {
            "kind": "date",
            "label": "2019",
            "filter": {"taken_after": "2019-01-01", "taken_before": "2019-12-31"},
        },
    ]
    assert suggest("july 2019") == [
        {
            "kind": "date",
            "label": "July 2019",
            "filter": {"taken_after": "2019-07-01", "taken_before": "2019-07-31"},
        }
    ]
    assert [s["label"] for s in suggest("jan")] == ["January 2021"]
    assert suggest("1999") == []
    assert suggest("") == []
    assert suggest("zzz") == []
