"""Tags over HTTP: in the photo detail, as a list filter and counted in /api/things/."""

import pytest

from api.models import PhotoTag
from tests.factories import PhotoFactory


def _tag(photo, name: str, score: float) -> PhotoTag:
    return PhotoTag.objects.create(
        photo=photo, name=name, score=score, source="places365", version="test"
    )


@pytest.fixture
def tagged(user, other_user):
    beach, forest, hidden = (PhotoFactory(owner=user) for _ in range(3))
    hidden.hidden = True
    hidden.save()
    _tag(beach, "beach", 0.8)
    _tag(beach, "outdoor", 0.9)
    _tag(forest, "forest", 0.6)
    _tag(forest, "outdoor", 0.7)
    _tag(hidden, "beach", 0.5)
    _tag(PhotoFactory(owner=other_user), "beach", 0.9)
    return {"beach": beach, "forest": forest, "hidden": hidden}


@pytest.mark.django_db
def test_photo_detail_lists_tag_names_most_confident_first(api, tagged):
    body = api.get(f"/api/photos/{tagged['beach'].pk}/").json()
    assert body["tags"] == ["outdoor", "beach"]


@pytest.mark.django_db
def test_tag_filter_keeps_the_callers_photos_with_that_tag(api, tagged):
    ids = [row["id"] for row in api.get("/api/photos/?tag=Beach").json()["results"]]
    assert ids == [tagged["beach"].pk]
    outdoor = {row["id"] for row in api.get("/api/photos/?tag=outdoor").json()["results"]}
    assert outdoor == {tagged["beach"].pk, tagged["forest"].pk}


@pytest.mark.django_db
def test_things_counts_the_callers_visible_photos_per_tag(api, tagged):
    beach, forest = tagged["beach"].pk, tagged["forest"].pk
    assert api.get("/api/things/").json() == [
        {"tag": "outdoor", "count": 2, "photo": max(beach, forest)},
        {"tag": "beach", "count": 1, "photo": beach},
        {"tag": "forest", "count": 1, "photo": forest},
    ]


@pytest.mark.django_db
def test_things_needs_authentication(client):
    assert client.get("/api/things/").status_code == 401
