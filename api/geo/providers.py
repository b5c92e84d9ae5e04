"""Online reverse geocoders through geopy (Nominatim, Photon), named in settings.GEOCODER:
one request per ~100 m cell, remembered in GeocodeLookup, at most one a GEOCODER_MIN_DELAY."""

import functools
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from geopy.adapters import URLLibAdapter
from geopy.exc import (
    GeocoderQuotaExceeded,
    GeocoderServiceError,
    GeocoderTimedOut,
    GeocoderUnavailable,
)
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim, Photon

from api.geo.offline import Location, country_name
from api.models import GeocodeLookup


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


def is_transient(exc: GeocoderServiceError) -> bool:
    """Timeouts, 5xx and rate limits pass; a refused key or a bad query would fail again."""
    return type(exc) is GeocoderServiceError or isinstance(
        exc, GeocoderTimedOut | GeocoderUnavailable | GeocoderQuotaExceeded
    )
