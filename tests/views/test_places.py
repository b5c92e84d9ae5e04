import pytest
from rest_framework.test import APIClient

from api.geo import geocode
from tests.factories import PhotoFactory
from tests.geo.test_geocode import EXPECTED


@pytest.fixture
def geocoded(manifest_photos) -> dict:
    for photo in manifest_photos.values():
        geocode.photo_geocode(photo=photo)
    return manifest_photos


@pytest.mark.django_db
def test_places_list_the_callers_places_with_counts(api, geocoded):
    response = api.get("/api/places/")

    assert response.status_code == 200
    rows = response.json()
    assert all(set(row) == {"id", "country", "state", "city", "count"} for row in rows)
    names = [{k: v for k, v in row.items() if k != "id"} for row in rows]
    assert {"country": "Germany", "state": None, "city": None, "count": 1} in names
    assert {
        "country": "United Kingdom",
        "state": "England",
        "city": "Amesbury",
        "count": 1,
    } in names
    assert sum(r["count"] for r in rows if r["state"] is None) == len(EXPECTED)


@pytest.mark.django_db
def test_places_show_nothing_of_another_users_photos(other_user, geocoded):
    client = APIClient()
    client.force_authenticate(other_user)
    assert client.get("/api/places/").json() == []
    clusters = client.get("/api/places/map/", {"bbox": "-180,-90,180,90", "zoom": 0}).json()
    assert clusters == []


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/places/", "/api/places/map/?bbox=-180,-90,180,90&zoom=0"])
def test_places_need_authentication(client, url):
    assert client.get(url).status_code == 401


@pytest.mark.django_db
def test_map_clusters_add_up_to_the_geotagged_photos_in_the_box(api, geocoded):
    response = api.get("/api/places/map/", {"bbox": "-125,24,-66,50", "zoom": 3})

    assert response.status_code == 200
    clusters = response.json()
    assert all(set(c) == {"lat", "lon", "count", "photo"} for c in clusters)
    # Missouri, Alabama, Georgia and Colorado.
    assert sum(c["count"] for c in clusters) == 4


@pytest.mark.django_db
def test_map_costs_one_query_whatever_the_number_of_clusters(api, user, django_assert_num_queries):
    for i in range(30):
        PhotoFactory(owner=user, gps_lat=-40 + 3 * i, gps_lon=-170 + 11 * i)
    with django_assert_num_queries(1):
        clusters = api.get("/api/places/map/", {"bbox": "-180,-90,180,90", "zoom": 5}).json()
    assert len(clusters) == 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"zoom": 3}, "bbox", "required"),
        ({"bbox": "1,2,3", "zoom": 3}, "bbox", "four numbers"),
        ({"bbox": "a,b,c,d", "zoom": 3}, "bbox", "four numbers"),
        ({"bbox": "0,50,10,40", "zoom": 3}, "bbox", "South must not be above north"),
        ({"bbox": "0,-95,10,40", "zoom": 3}, "bbox", "-90..90"),
        ({"bbox": "-190,0,10,40", "zoom": 3}, "bbox", "-180..180"),
        ({"bbox": "nan,0,10,40", "zoom": 3}, "bbox", "finite"),
        ({"bbox": "0,0,10,40"}, "zoom", "required"),
        ({"bbox": "0,0,10,40", "zoom": 23}, "zoom", "22"),
        ({"bbox": "0,0,10,40", "zoom": "far"}, "zoom", "integer"),
    ],
)
def test_bad_map_query_is_400_with_a_reason(api, params, field, reason):
    response = api.get("/api/places/map/", params)

    assert response.status_code == 400
    assert reason in " ".join(response.json()[field])


@pytest.mark.django_db
def test_places_endpoints_are_in_the_schema(api):
    schema = api.get("/api/schema/", {"format": "json"}).json()
    assert "/api/places/" in schema["paths"]
    map_params = {p["name"] for p in schema["paths"]["/api/places/map/"]["get"]["parameters"]}
    assert {"bbox", "zoom"} <= map_params
