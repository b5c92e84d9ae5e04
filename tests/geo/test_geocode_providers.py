"""geopy providers against a real HTTP server on loopback (tests/geocoders.py)."""

import itertools

import pytest
from geopy.exc import GeocoderServiceError, GeocoderTimedOut

from api.geo import geocode
from api.models import GeocodeLookup, Photo
from tests.factories import PhotoFactory

AREZZO = (43.467448, 11.885127)  # gps/DSCN0010.jpg


def _reload(photo: Photo) -> Photo:
    return Photo.objects.select_related("place__parent__parent").get(pk=photo.pk)


@pytest.mark.django_db
def test_nominatim_answer_becomes_the_photo_place(user, nominatim):
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=51.025, gps_lon=7.5919))

    photo = _reload(photo)
    assert photo.place.path() == {
        "country": "Germany",
        "state": "North Rhine-Westphalia",
        "city": "Gummersbach",
    }
    assert photo.geocode_provider == "nominatim"
    assert photo.geocode_distance is None
    assert photo.steps["geocode"]["state"] == "done"
    (request,) = nominatim.requests
    assert request["path"] == "/reverse"
    assert request["user_agent"] == "OwnPhotos-tests/1"
    assert request["query"]["accept-language"] == "en"
    # Asked for the ~100 m cell, not the exact position.
    assert (request["query"]["lat"], request["query"]["lon"]) == ("51.025", "7.592")


@pytest.mark.django_db
def test_coordinates_in_the_same_100_m_cell_are_looked_up_once(manifest_photos, nominatim):
    # DSCN0010 and DSCN0012 are 40 m apart in one cell; DSCN0025 is 300 m away.
    for name in ("DSCN0010", "DSCN0012", "DSCN0025"):
        geocode.photo_geocode(photo=manifest_photos[f"gps/{name}.jpg"])

    assert len(nominatim.requests) == 2
    assert GeocodeLookup.objects.filter(provider="nominatim").count() == 2
    assert {p.place.name for p in Photo.objects.filter(place__isnull=False)} == {"Arezzo"}


@pytest.mark.django_db
def test_requests_to_a_provider_are_spaced_by_the_minimum_delay(user, nominatim, settings):
    settings.GEOCODER_MIN_DELAY = 0.5
    for lon in (11.880, 11.885, 11.890):
        geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=43.467, gps_lon=lon))

    times = [r["at"] for r in nominatim.requests]
    assert len(times) == 3
    # The limiter spaces the calls; arrivals at the server may drift by the requests' own
    # latency on a busy machine, never by anything near the delay.
    assert all(later - earlier >= 0.35 for earlier, later in itertools.pairwise(times))


@pytest.mark.django_db
def test_timeout_keeps_the_offline_place_and_raises_for_a_retry(user, nominatim):
    nominatim.mode = "slow"
    photo = PhotoFactory(owner=user, gps_lat=AREZZO[0], gps_lon=AREZZO[1])

    with pytest.raises(GeocoderTimedOut):
        geocode.photo_geocode(photo=photo)

    photo = _reload(photo)
    assert photo.place.path() == {"country": "Italy", "state": "Tuscany", "city": "Arezzo"}
    assert photo.geocode_provider == "offline"
    assert photo.steps["geocode"]["state"] == "retrying"
    assert "nominatim" in photo.steps["geocode"]["error"]
    assert not GeocodeLookup.objects.exists()


@pytest.mark.django_db
def test_server_error_keeps_the_offline_place_and_raises_for_a_retry(user, nominatim):
    nominatim.mode = "500"
    photo = PhotoFactory(owner=user, gps_lat=AREZZO[0], gps_lon=AREZZO[1])

    with pytest.raises(GeocoderServiceError):
        geocode.photo_geocode(photo=photo)

    photo = _reload(photo)
    assert photo.place.name == "Arezzo"
    assert photo.steps["geocode"]["state"] == "retrying"
    assert not GeocodeLookup.objects.exists()


@pytest.mark.django_db
def test_refused_request_keeps_the_offline_place_without_retrying(user, nominatim):
    # 403 (e.g. a blocked user agent) would fail the same way again: no retry.
    nominatim.mode = "403"
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=51.025, gps_lon=7.5919))

    photo = _reload(photo)
    assert photo.place.name == "Gummersbach"
    assert photo.geocode_provider == "offline"
    assert photo.steps["geocode"]["state"] == "done"
    assert photo.steps["geocode"]["error"]


@pytest.mark.django_db
def test_provider_that_knows_no_place_leaves_the_offline_answer(user, nominatim):
    # Nominatim answers {"error": "Unable to geocode"} where its data has nothing.
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=39.1150, gps_lon=-108.4))

    photo = _reload(photo)
    assert photo.place.name == "Palisade"
    assert photo.geocode_provider == "offline"
    assert GeocodeLookup.objects.get().answer == {}


@pytest.mark.django_db
def test_photon_answer_becomes_the_photo_place(user, settings, provider_server):
    settings.GEOCODER = "photon"
    settings.GEOCODER_URL = provider_server.url
    settings.GEOCODER_MIN_DELAY = 0.0
    settings.GEOCODER_TIMEOUT = 0.5
    photo = PhotoFactory(owner=user, gps_lat=AREZZO[0], gps_lon=AREZZO[1])
    geocode.photo_geocode(photo=photo)

    photo = _reload(photo)
    assert photo.place.path() == {"country": "Italy", "state": "Tuscany", "city": "Arezzo"}
    assert photo.geocode_provider == "photon"
    (request,) = provider_server.requests
    assert request["path"] == "/reverse"
