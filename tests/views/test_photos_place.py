"""`place` in photo detail and the `place` filter, on the scanned corpus after geocoding."""

import pytest

from api.geo import geocode
from api.models import File, Photo
from tests.geo.test_geocode import EXPECTED


@pytest.fixture(scope="module")
def geocoded(scanned, django_db_blocker):
    """The scanned corpus with every photo geocoded, as the geocode worker would do it."""
    with django_db_blocker.unblock():
        for photo in Photo.objects.for_user(scanned.owner):
            geocode.photo_geocode(photo=photo)
    return scanned


def _photo_id(scanned, relative: str) -> int:
    return File.objects.get(owner=scanned.owner, path=str(scanned.root / relative)).photo_id


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_detail_shows_the_place_of_a_geotagged_photo(geocoded, scanned_api, relative):
    country, _, state, _, city, _, _ = EXPECTED[relative]
    body = scanned_api.get(f"/api/photos/{_photo_id(geocoded, relative)}/").json()
    assert body["place"] == {"country": country, "state": state, "city": city}


def test_detail_place_is_null_for_every_photo_without_gps(geocoded, scanned_api, manifest):
    others = [
        path
        for path in manifest
        if path not in EXPECTED
        and File.objects.filter(owner=geocoded.owner, path=str(geocoded.root / path))
        .exclude(photo=None)
        .exists()
    ]
    assert len(others) > 100
    for relative in others:
        body = scanned_api.get(f"/api/photos/{_photo_id(geocoded, relative)}/").json()
        assert body["place"] is None, relative


def test_detail_with_a_place_costs_no_extra_query(geocoded, scanned_api, django_assert_num_queries):
    with_place = _photo_id(geocoded, "gps/DSCN0010.jpg")
    without = _photo_id(geocoded, "exif/Canon_40D.jpg")
    with django_assert_num_queries(4) as without_queries:
        scanned_api.get(f"/api/photos/{without}/")
    with django_assert_num_queries(len(without_queries.captured_queries)):
        scanned_api.get(f"/api/photos/{with_place}/")


@pytest.mark.parametrize(
    ("place", "expected"),
    [
        ("tuscany", {f"gps/DSCN00{n}.jpg" for n in ("10", "12", "21", "25", "27")}),
        ("AREZZO", {f"gps/DSCN00{n}.jpg" for n in ("10", "12", "21", "25", "27")}),
        (
            "United States",
            {
                "gps/thompson_springs_west_lon.jpg",
                "formats/heic/iPhone11ProMax_IMG_5195.HEIC",
                "formats/heic/iPhoneXR_rotated.heic",
                "formats/raw/iPhone12Pro_IMG_1361.dng",
            },
        ),
        ("alabama", {"formats/heic/iPhoneXR_rotated.heic"}),
        ("Amesbury", {"formats/heic/Nikon_D5300_Stonehenge.heic"}),
        ("Atlantis", set()),
    ],
)
def test_photo_list_filters_by_a_place_name_at_any_level(geocoded, scanned_api, place, expected):
    body = scanned_api.get("/api/photos/", {"place": place}).json()
    assert {row["id"] for row in body["results"]} == {_photo_id(geocoded, p) for p in expected}


def test_photo_list_filters_by_a_place_id_from_the_places_list(geocoded, scanned_api):
    rows = scanned_api.get("/api/places/").json()
    (georgia,) = [r for r in rows if r["state"] == "Georgia" and r["city"] is None]
    body = scanned_api.get("/api/photos/", {"place_id": georgia["id"]}).json()
    dng = _photo_id(geocoded, "formats/raw/iPhone12Pro_IMG_1361.dng")
    assert [row["id"] for row in body["results"]] == [dng]
    (usa,) = [r for r in rows if r["country"] == "United States" and r["state"] is None]
    body = scanned_api.get("/api/photos/", {"place_id": usa["id"]}).json()
    assert len(body["results"]) == usa["count"] == 4
