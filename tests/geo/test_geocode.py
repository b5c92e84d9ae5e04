"""Offline reverse geocoding of the corpus, checked against places worked out by hand.

The expected places below were not produced by the code: each lists the place's own centre
(decimal degrees from its Wikipedia / GeoNames entry), a rival place nearby, and a box the
country or state is known to cover. The test measures with its own haversine that the photo
lies in the box, within the city threshold of the expected centre, and nearer to it than to
the rival; only then does it compare with the code's answer.
"""

import math

import pytest
from django.conf import settings

from api.geo import geocode, offline
from api.models import Photo, Place
from tests.factories import PhotoFactory


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine on a 6371 km sphere, written out independently of api.geo.geocode."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(a))


# path: (country, ISO code, state, box (S, N, W, E) of that state, city, city centre,
#        rivals: other nearby places the photo must be farther from)
EXPECTED = {
    "gps/DSCN0010.jpg": (
        "Italy", "IT", "Tuscany", (42.2, 44.5, 9.7, 12.4),
        "Arezzo", (43.4633, 11.8797), {"Castiglion Fiorentino": (43.3439, 11.9189)},
    ),
    "gps/DSCN0012.jpg": (
        "Italy", "IT", "Tuscany", (42.2, 44.5, 9.7, 12.4),
        "Arezzo", (43.4633, 11.8797), {"Castiglion Fiorentino": (43.3439, 11.9189)},
    ),
    "gps/DSCN0021.jpg": (
        "Italy", "IT", "Tuscany", (42.2, 44.5, 9.7, 12.4),
        "Arezzo", (43.4633, 11.8797), {"Castiglion Fiorentino": (43.3439, 11.9189)},
    ),
    "gps/DSCN0025.jpg": (
        "Italy", "IT", "Tuscany", (42.2, 44.5, 9.7, 12.4),
        "Arezzo", (43.4633, 11.8797), {"Castiglion Fiorentino": (43.3439, 11.9189)},
    ),
    "gps/DSCN0027.jpg": (
        "Italy", "IT", "Tuscany", (42.2, 44.5, 9.7, 12.4),
        "Arezzo", (43.4633, 11.8797), {"Castiglion Fiorentino": (43.3439, 11.9189)},
    ),
    # Just south of the equator, by Lake Nakuru in Kenya's Rift Valley.
    "gps/Kodak_CX7530_south_lat.jpg": (
        "Kenya", "KE", "Nakuru", (-1.3, 0.6, 35.3, 36.6),
        "Nakuru", (-0.3031, 36.0800), {"Naivasha": (-0.7167, 36.4333), "Molo": (-0.2479, 35.7374)},
    ),
    # North Rhine-Westphalia, in the Oberbergischer Kreis.
    "gps/Samsung_SM-G930F_zero_length_string.jpg": (
        "Germany", "DE", "North Rhine-Westphalia", (50.32, 52.53, 5.87, 9.46),
        "Gummersbach", (51.0264, 7.5647), {"Bergneustadt": (51.0249, 7.6465)},
    ),
    # The file is named after Thompson Springs (Utah), but 108.40 W is east of the Utah-Colorado
    # line (109.05 W): the position is in Colorado's Grand Valley, by Palisade.
    "gps/thompson_springs_west_lon.jpg": (
        "United States", "US", "Colorado", (36.99, 41.0, -109.05, -102.04),
        "Palisade", (39.1103, -108.3509), {"Grand Junction": (39.0639, -108.5506)},
    ),
    # Stonehenge lies in Amesbury parish; Durnford is nearer in raw degrees, farther in km.
    "formats/heic/Nikon_D5300_Stonehenge.heic": (
        "United Kingdom", "GB", "England", (49.9, 55.8, -6.4, 1.8),
        "Amesbury", (51.1737, -1.7799),
        {"Durnford": (51.1333, -1.8167), "Salisbury": (51.0693, -1.7957)},
    ),
    # East of Kansas City, Missouri.
    "formats/heic/iPhone11ProMax_IMG_5195.HEIC": (
        "United States", "US", "Missouri", (35.99, 40.61, -95.77, -89.10),
        "Blue Springs", (39.0169, -94.2816), {"Independence": (39.0911, -94.4155)},
    ),
    # South of Mobile, Alabama, by Mobile Bay; Tillmans Corner's centre is nearer than Mobile's.
    "formats/heic/iPhoneXR_rotated.heic": (
        "United States", "US", "Alabama", (30.14, 35.01, -88.47, -84.89),
        "Tillmans Corner", (30.5902, -88.1708), {"Mobile": (30.6944, -88.0431)},
    ),
    # North-west of Atlanta, Georgia, in Cobb County.
    "formats/raw/iPhone12Pro_IMG_1361.dng": (
        "United States", "US", "Georgia", (30.36, 35.0, -85.61, -80.84),
        "Acworth", (34.0659, -84.6783), {"Kennesaw": (34.0234, -84.6155)},
    ),
}  # fmt: skip


def test_expectations_cover_every_geotagged_photo_of_the_manifest(manifest):
    geotagged = {path for path, e in manifest.items() if (e.get("exif") or {}).get("gps")}
    assert geotagged == set(EXPECTED)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_expected_place_agrees_with_an_independent_distance_check(manifest, path):
    gps = manifest[path]["exif"]["gps"]
    _, _, _, (south, north, west, east), _, centre, rivals = EXPECTED[path]
    assert south <= gps["lat"] <= north
    assert west <= gps["lon"] <= east
    to_city = _km(gps["lat"], gps["lon"], *centre)
    assert to_city < offline.CITY_MAX_KM
    for rival in rivals.values():
        assert to_city < _km(gps["lat"], gps["lon"], *rival)


@pytest.mark.django_db
@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_geotagged_photo_gets_the_country_state_and_city_it_lies_in(manifest_photos, path):
    country, code, state, _, city, centre, _ = EXPECTED[path]
    photo = geocode.photo_geocode(photo=manifest_photos[path])

    photo = Photo.objects.select_related("place__parent__parent").get(pk=photo.pk)
    assert photo.place.path() == {"country": country, "state": state, "city": city}
    assert photo.place.level == Place.Level.CITY
    assert photo.place.country_code == code
    # The recorded distance is to GeoNames' point for the place; sources put a town's centre
    # a couple of km apart (GeoNames' Arezzo is 2 km south-west of Wikipedia's).
    assert abs(photo.geocode_distance - _km(photo.gps_lat, photo.gps_lon, *centre)) < 3
    assert photo.geocode_provider == "offline"
    assert photo.steps["geocode"]["state"] == "done"


@pytest.mark.django_db
def test_photos_without_usable_gps_in_the_manifest_get_no_place(manifest_photos):
    without = [p for path, p in manifest_photos.items() if path not in EXPECTED]
    assert len(without) > 100
    for photo in without:
        geocode.photo_geocode(photo=photo)
    assert not Photo.objects.filter(pk__in=[p.pk for p in without], place__isnull=False).exists()
    empty_ifd = Photo.objects.get(pk=manifest_photos["gps/empty_gps_ifd.jpg"].pk)
    assert empty_ifd.place is None
    assert empty_ifd.steps["geocode"]["state"] == "done"


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (0.0, 0.0),
        (None, 11.9),
        (43.4, None),
        (91.0, 11.9),
        (-90.5, 11.9),
        (43.4, 180.5),
        (43.4, -181.0),
        (math.nan, 11.9),
        (43.4, math.inf),
        ("north", 11.9),
    ],
)
def test_broken_gps_values_are_not_valid(lat, lon):
    assert not offline.gps_is_valid(lat, lon)
    assert offline.offline_locate([(lat, lon)]) == [None]


@pytest.mark.django_db
@pytest.mark.parametrize(("lat", "lon"), [(0.0, 0.0), (95.0, 200.0), (-91.0, 11.0)])
def test_photo_with_zero_or_out_of_range_gps_gets_no_place(user, lat, lon):
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=lat, gps_lon=lon))
    assert Photo.objects.get(pk=photo.pk).place is None
    assert not Place.objects.exists()


@pytest.mark.django_db
def test_photo_that_had_a_place_loses_it_when_its_gps_is_cleared(user):
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=43.4674, gps_lon=11.8851))
    assert photo.place.name == "Arezzo"
    photo.gps_lat = photo.gps_lon = None
    photo.save()
    geocode.photo_geocode(photo=photo)
    assert Photo.objects.get(pk=photo.pk).place is None


def test_point_in_mid_atlantic_gets_no_place():
    # 36.5 N 38 W: about 800 km west of the Azores, the nearest land.
    assert _km(36.5, -38.0, 37.74, -25.67) > 700
    assert offline.offline_locate([(36.5, -38.0)]) == [None]


def test_point_at_sea_off_a_coast_gets_its_country_but_no_city():
    # Tyrrhenian Sea, 40 N 12.5 E: the nearest land is Ponza island, about 107 km north-east.
    ponza = (40.9001, 12.9573)
    assert offline.CITY_MAX_KM < _km(40.0, 12.5, *ponza) < offline.COUNTRY_MAX_KM
    (location,) = offline.offline_locate([(40.0, 12.5)])
    assert location.country == "Italy"
    assert location.city == ""
    assert location.distance_km == pytest.approx(_km(40.0, 12.5, *ponza), abs=1)


def test_point_across_the_antimeridian_is_matched_with_the_other_side():
    # 16.5 S 179.9 W, off Vanua Levu (Fiji): Labasa lies about 80 km away across 180 degrees,
    # while the nearest place on the same side of it, Leava on Futuna, is about 290 km away.
    labasa, leava = (-16.4167, 179.3833), (-14.2933, -178.1583)
    assert _km(-16.5, -179.9, *labasa) < 100 < 250 < _km(-16.5, -179.9, *leava)
    (location,) = offline.offline_locate([(-16.5, -179.9)])
    assert location.country == "Fiji"
    assert location.distance_km == pytest.approx(_km(-16.5, -179.9, *labasa), abs=2)


def test_batched_lookup_answers_in_input_order(manifest):
    paths = sorted(EXPECTED)
    coords = [(manifest[p]["exif"]["gps"]["lat"], manifest[p]["exif"]["gps"]["lon"]) for p in paths]
    answers = offline.offline_locate([(0.0, 0.0), *coords, (None, None)])
    assert answers[0] is None
    assert answers[-1] is None
    assert [a.city for a in answers[1:-1]] == [EXPECTED[p][4] for p in paths]


@pytest.mark.django_db
def test_geocoding_again_is_a_no_op(user, django_assert_num_queries):
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=51.025, gps_lon=7.591944))
    places = Place.objects.count()
    with django_assert_num_queries(0):
        geocode.photo_geocode(photo=photo)
    assert Place.objects.count() == places == 3


@pytest.mark.django_db
def test_photos_in_one_city_share_its_place_rows(manifest_photos):
    for path in EXPECTED:
        geocode.photo_geocode(photo=manifest_photos[path])
    assert Place.objects.filter(level=Place.Level.COUNTRY).count() == 5
    assert Place.objects.filter(level=Place.Level.CITY, name="Arezzo").count() == 1
    assert Place.objects.get(name="United States").children.count() == 4


@pytest.mark.django_db
def test_a_new_rules_version_geocodes_the_photo_again(user, monkeypatch):
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=39.115, gps_lon=-108.4))
    assert photo.geocode_version == geocode.geocode_version("offline")
    monkeypatch.setattr(geocode, "RULES_VERSION", "test-next")
    photo = geocode.photo_geocode(photo=Photo.objects.get(pk=photo.pk))
    assert Photo.objects.get(pk=photo.pk).geocode_version.endswith("-test-next")


@pytest.mark.django_db
def test_geocoding_keeps_the_other_steps_state(user):
    photo = PhotoFactory(owner=user, gps_lat=43.4674, gps_lon=11.8851)
    Photo.objects.filter(pk=photo.pk).update(steps={"faces": {"state": "done"}})
    geocode.photo_geocode(photo=photo)
    steps = Photo.objects.get(pk=photo.pk).steps
    assert steps["faces"] == {"state": "done"}
    assert steps["geocode"]["version"] == geocode.geocode_version(settings.GEOCODER)
