"""The geocoding step: a photo linked to its place (country > region > city) from its GPS.

The default provider is offline (api/geo/offline.py). A geopy provider (Nominatim, Photon;
api/geo/providers.py) may be named in settings.GEOCODER. The offline answer is saved first and
stands while the provider fails; a transient provider error is re-raised so the Celery task
retries later with back-off.
"""

import logging

from django.conf import settings
from django.db import transaction
from geopy.exc import GeocoderServiceError

from api.geo.offline import Location, gps_is_valid, offline_data_version, offline_locate
from api.geo.providers import is_transient, provider_locate
from api.models import Photo, Place
from api.services.steps import step_done, step_entry, step_record

logger = logging.getLogger(__name__)

# Bump when the rules of api/geo/offline.py change, so every photo is geocoded again.
RULES_VERSION = "1"
OFFLINE = "offline"


def geocode_version(provider: str) -> str:
    """What produced a photo's place, so a change of data, rules or provider re-runs it."""
    if provider == OFFLINE:
        return f"{OFFLINE}-{offline_data_version()}-{RULES_VERSION}"
    return f"{provider}-{RULES_VERSION}"


def _geocode_current(photo: Photo) -> bool:
    return step_done(photo, "geocode", geocode_version(settings.GEOCODER)) and step_entry(
        photo, "geocode"
    ).get("gps") == [photo.gps_lat, photo.gps_lon]


def photo_geocode_needed(photo: Photo) -> bool:
    """The photo has GPS (or a place to clear) that the current provider version has not
    geocoded yet."""
    if _geocode_current(photo):
        return False
    return gps_is_valid(photo.gps_lat, photo.gps_lon) or photo.place_id is not None


def photo_geocode(*, photo: Photo) -> Photo:
    """Link the photo to its most precise place, from its GPS position.

    Idempotent: returns at once when the same provider version already geocoded the same
    position. Invalid GPS clears the place. With an online provider the offline answer is
    saved first; a transient provider error is then re-raised for the task to retry.
    """
    provider = settings.GEOCODER
    version = geocode_version(provider)
    lat, lon = photo.gps_lat, photo.gps_lon
    if _geocode_current(photo):
        return photo
    if not gps_is_valid(lat, lon):
        return _photo_save(photo, None, provider="", version=version, state="done")
    (location,) = offline_locate([(lat, lon)])
    if provider == OFFLINE:
        return _photo_save(photo, location, provider=OFFLINE, version=version, state="done")
    try:
        online = provider_locate(lat, lon, provider=provider)
    except GeocoderServiceError as exc:
        transient = is_transient(exc)
        logger.warning("geocoder %s failed for photo %s: %r", provider, photo.pk, exc)
        _photo_save(
            photo,
            location,
            provider=OFFLINE,
            version=version,
            state="retrying" if transient else "done",
            error=f"{provider}: {exc}",
        )
        if transient:
            raise
        return photo
    if online is None:
        # The provider knows nothing here (at sea, or outside a self-hosted regional extract).
        return _photo_save(photo, location, provider=OFFLINE, version=version, state="done")
    return _photo_save(photo, online, provider=provider, version=version, state="done")


def photos_geocode(*, photo_ids: list[int]) -> list[int]:
    """Geocode these photos (those deleted meanwhile are nothing to do); returns the ids whose
    online provider failed transiently, kept at their offline place, to be tried again."""
    again = []
    for photo in Photo.objects.filter(pk__in=photo_ids).order_by("id"):
        try:
            photo_geocode(photo=photo)
        except GeocoderServiceError:
            again.append(photo.pk)
    return again


def _photo_save(
    photo: Photo,
    location: Location | None,
    *,
    provider: str,
    version: str,
    state: str,
    error: str = "",
) -> Photo:
    with transaction.atomic():
        place = None
        if location is not None:
            place = Place.objects.ensure_path(
                country_code=location.country_code,
                country=location.country,
                region=location.region,
                city=location.city,
                lat=location.lat,
                lon=location.lon,
            )
        photo.place = place
        photo.geocode_distance = location.distance_km if location else None
        photo.geocode_provider = provider if location else ""
        photo.geocode_version = version
        photo.save(
            update_fields=[
                "place",
                "geocode_distance",
                "geocode_provider",
                "geocode_version",
                "updated_at",
            ]
        )
        step_record(
            photo=photo,
            step="geocode",
            state=state,
            version=version,
            provider=provider,
            gps=[photo.gps_lat, photo.gps_lon],
            error=error,
        )
    return photo
