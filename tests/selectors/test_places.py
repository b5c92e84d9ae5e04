import math

import pytest

from api.geo import geocode
from api.models import Photo, Place
from api.selectors.places import map_cells, map_clusters, place_counts
from tests.factories import PhotoFactory
from tests.geo.test_geocode import EXPECTED


@pytest.fixture
def geocoded(manifest_photos) -> dict:
    for photo in manifest_photos.values():
        geocode.photo_geocode(photo=photo)
    return manifest_photos


def _names(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "id"} for row in rows]


def _row(rows: list[dict], country, state=None, city=None) -> int:
    (match,) = [r for r in rows if (r["country"], r["state"], r["city"]) == (country, state, city)]
    return match["count"]


@pytest.mark.django_db
def test_place_counts_count_each_photo_for_its_city_and_every_ancestor(user, geocoded):
    rows = place_counts(user=user)

    assert _row(rows, "Italy") == 5
    assert _row(rows, "Italy", "Tuscany") == 5
    assert _row(rows, "Italy", "Tuscany", "Arezzo") == 5
    assert _row(rows, "United States") == 4
    assert _row(rows, "United States", "Colorado", "Palisade") == 1
    assert _row(rows, "Kenya", "Nakuru", "Nakuru") == 1
    country_rows = [r for r in rows if r["state"] is None and r["city"] is None]
    assert sum(r["count"] for r in country_rows) == len(EXPECTED)
    expected_cities = {(e[0], e[2], e[4]) for e in EXPECTED.values()}
    assert {(r["country"], r["state"], r["city"]) for r in rows if r["city"]} == expected_cities


@pytest.mark.django_db
def test_place_count_ids_select_the_photos_they_count(user, geocoded):
    rows = place_counts(user=user)
    assert len({row["id"] for row in rows}) == len(rows)
    for row in rows:
        place = Place.objects.select_related("parent__parent").get(pk=row["id"])
        assert place.path() == {k: row[k] for k in ("country", "state", "city")}
        assert Photo.objects.for_user(user).in_place(row["id"]).count() == row["count"]


@pytest.mark.django_db
def test_place_counts_list_ancestors_before_their_children(user, geocoded):
    rows = place_counts(user=user)
    italy = [(r["state"], r["city"]) for r in rows if r["country"] == "Italy"]
    assert italy == [(None, None), ("Tuscany", None), ("Tuscany", "Arezzo")]


@pytest.mark.django_db
def test_place_counts_cost_two_queries_however_many_places(
    user, geocoded, django_assert_num_queries
):
    with django_assert_num_queries(2):
        rows = place_counts(user=user)
    assert len(rows) > 20


@pytest.mark.django_db
def test_place_counts_leave_out_other_users_hidden_and_trashed_photos(user, other_user, geocoded):
    geocode.photo_geocode(photo=PhotoFactory(owner=other_user, gps_lat=43.4674, gps_lon=11.885))
    Photo.objects.filter(pk=geocoded["gps/DSCN0010.jpg"].pk).update(hidden=True)
    Photo.objects.filter(pk=geocoded["gps/DSCN0012.jpg"].pk).update(in_trash=True)

    assert _row(place_counts(user=user), "Italy", "Tuscany", "Arezzo") == 3
    assert _names(place_counts(user=other_user)) == [
        {"country": "Italy", "state": None, "city": None, "count": 1},
        {"country": "Italy", "state": "Tuscany", "city": None, "count": 1},
        {"country": "Italy", "state": "Tuscany", "city": "Arezzo", "count": 1},
    ]


@pytest.mark.django_db
def test_photo_at_sea_counts_for_its_region_and_country_only(user):
    geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=40.0, gps_lon=12.5))
    assert _names(place_counts(user=user)) == [
        {"country": "Italy", "state": None, "city": None, "count": 1},
        {"country": "Italy", "state": "Latium", "city": None, "count": 1},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["arezzo", "TUSCANY", "Italy"])
def test_photos_are_found_by_a_place_name_at_any_level(user, geocoded, name):
    found = Photo.objects.for_user(user).at_place(name)
    assert {p.pk for p in found} == {geocoded[f"gps/{n}.jpg"].pk for n in _DSCN}


_DSCN = ("DSCN0010", "DSCN0012", "DSCN0021", "DSCN0025", "DSCN0027")


def _in_box(lat: float, lon: float, box: tuple[float, float, float, float]) -> bool:
    west, south, east, north = box
    in_lon = west <= lon <= east if west <= east else (lon >= west or lon <= east)
    return south <= lat <= north and in_lon


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("box", "zoom"),
    [
        ((-180, -90, 180, 90), 0),
        ((-180, -90, 180, 90), 3),
        ((-125, 24, -66, 50), 4),  # contiguous United States
        ((11.8, 43.4, 11.95, 43.5), 14),  # Arezzo
        ((-10, 35, 30, 60), 2),  # Europe
        ((-20, -10, 50, 10), 5),  # the equator, Kenya included
    ],
)
def test_map_cluster_counts_add_up_to_the_geotagged_photos_in_the_box(
    user, manifest_photos, manifest, box, zoom
):
    expected = sum(
        1
        for path in EXPECTED
        if _in_box(manifest[path]["exif"]["gps"]["lat"], manifest[path]["exif"]["gps"]["lon"], box)
    )
    west, south, east, north = box
    clusters = map_clusters(user=user, west=west, south=south, east=east, north=north, zoom=zoom)
    assert sum(c["count"] for c in clusters) == expected
    for cluster in clusters:
        assert _in_box(cluster["lat"], cluster["lon"], box)
        assert Photo.objects.get(pk=cluster["photo"]).owner == user


@pytest.mark.django_db
def test_map_clusters_merge_nearby_photos_at_low_zoom_and_split_them_at_high_zoom(
    user, manifest_photos
):
    arezzo = {"west": 11.8, "south": 43.4, "east": 11.95, "north": 43.5}
    (one,) = map_clusters(user=user, zoom=2, **arezzo)
    assert one["count"] == 5
    assert one["photo"] == min(manifest_photos[f"gps/{n}.jpg"].pk for n in _DSCN)
    assert one["lat"] == pytest.approx(sum(43.467 for _ in _DSCN) / 5, abs=0.001)
    # At zoom 18 a cell is ~0.00034 degree (38 m): the two groups 300 m apart split.
    assert map_cells(18) < 0.0005
    split = map_clusters(user=user, zoom=18, **arezzo)
    assert len(split) >= 2
    assert sum(c["count"] for c in split) == 5


@pytest.mark.django_db
def test_map_box_across_the_antimeridian_keeps_both_sides(user, other_user):
    fiji_east = PhotoFactory(owner=user, gps_lat=-16.5, gps_lon=179.5)
    fiji_west = PhotoFactory(owner=user, gps_lat=-16.6, gps_lon=-179.8)
    PhotoFactory(owner=user, gps_lat=-16.5, gps_lon=170.0)  # Vanuatu: outside
    PhotoFactory(owner=other_user, gps_lat=-16.5, gps_lon=179.6)  # someone else's

    clusters = map_clusters(user=user, west=178, south=-20, east=-178, north=-14, zoom=8)

    assert sorted(c["photo"] for c in clusters) == sorted([fiji_east.pk, fiji_west.pk])
    assert all(c["count"] == 1 for c in clusters)


@pytest.mark.django_db
def test_map_leaves_out_photos_without_gps_or_at_zero_zero(user):
    PhotoFactory(owner=user, gps_lat=0.0, gps_lon=0.0)
    PhotoFactory(owner=user)
    kept = PhotoFactory(owner=user, gps_lat=0.0, gps_lon=9.5)  # on the equator, off Gabon
    clusters = map_clusters(user=user, west=-180, south=-90, east=180, north=90, zoom=0)
    assert [(c["photo"], c["count"]) for c in clusters] == [(kept.pk, 1)]


def test_map_cell_halves_with_each_zoom_level():
    assert map_cells(0) == 90.0
    assert all(math.isclose(map_cells(z), 2 * map_cells(z + 1)) for z in range(22))
