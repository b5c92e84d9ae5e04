"""Reads for the places pages: counts per place and map clusters, computed in the database."""

from collections import Counter

from django.db.models import Avg, Count, F, Min, Q
from django.db.models.functions import Floor

from api.models import Photo, Place, User

# Clusters per map tile side: at 256 px tiles a cluster stands for about 64 x 64 px.
CELLS_PER_TILE = 4
MAX_ZOOM = 22

_KEYS = {Place.Level.COUNTRY: "country", Place.Level.REGION: "state", Place.Level.CITY: "city"}


def place_counts(*, user: User) -> list[dict]:
    """`[{"id", "country", "state", "city", "count"}]` of the user's library, one per place.

    A photo counts for its own place and every ancestor, so a country's row is the number of
    the user's photos anywhere in it. `id` is the row's own place (for the `place_id` filter
    of the photo list; names are ambiguous: Georgia). Sorted country, state, city, ancestors
    first. Two queries: the counts per place (index-only), then those places with parents.
    """
    photos = Photo.objects.for_user(user).in_library().filter(place__isnull=False)
    direct = dict(photos.values_list("place").annotate(count=Count("id")).order_by())
    chain = ("", "parent__", "parent__parent__")
    places = Place.objects.filter(pk__in=photos.values("place")).values(
        *(f"{link}{field}" for link in chain for field in ("id", "level", "name"))
    )
    counts: Counter[int] = Counter()
    paths: dict[int, dict[str, str | None]] = {}
    for row in places:
        # The place, then its ancestors: each counts the place's photos.
        links = [link for link in chain if row[f"{link}id"] is not None]
        names = {_KEYS[row[f"{link}level"]]: row[f"{link}name"] for link in links}
        for depth, link in enumerate(links):
            pk = row[f"{link}id"]
            counts[pk] += direct[row["id"]]
            if pk not in paths:
                # An ancestor's path keeps only its own level and those above it.
                kept = {_KEYS[row[f"{up}level"]] for up in links[depth:]}
                paths[pk] = {k: names.get(k) if k in kept else None for k in _KEYS.values()}
    ordered = sorted(
        paths.items(),
        key=lambda item: tuple((v is not None, v or "") for v in item[1].values()),
    )
    return [{"id": pk, **path, "count": counts[pk]} for pk, path in ordered]


def map_cells(zoom: int) -> float:
    """Grid cell side in degrees at a web-map zoom level (a tile spans 360 / 2**zoom)."""
    return 360.0 / (2**zoom) / CELLS_PER_TILE


def map_clusters(
    *, user: User, west: float, south: float, east: float, north: float, zoom: int
) -> list[dict]:
    """Grid clusters of the user's geotagged photos inside a bounding box, grouped in SQL.

    Each `{"lat", "lon", "count", "photo"}`: the mean position, the number of photos and the
    lowest photo id in its cell. `west > east` is a box across the antimeridian. Photos at
    exactly (0, 0), the "no fix" value, are left out.
    """
    cell = map_cells(zoom)
    qs = (
        Photo.objects.for_user(user)
        .in_library()
        .filter(gps_lat__gte=south, gps_lat__lte=north)
        .exclude(gps_lat=0, gps_lon=0)
    )
    if west <= east:
        qs = qs.filter(gps_lon__gte=west, gps_lon__lte=east)
    else:
        qs = qs.filter(Q(gps_lon__gte=west) | Q(gps_lon__lte=east))
    # One numeric key per cell (row * 2**25 + column) groups faster than two; exact in a
    # double even at MAX_ZOOM, where there are 2**23 rows and 2**24 columns.
    cell_key = Floor((F("gps_lat") + 90.0) / cell) * float(2**25) + Floor(
        (F("gps_lon") + 180.0) / cell
    )
    rows = (
        qs.annotate(cell_key=cell_key)
        .values("cell_key")
        .annotate(count=Count("id"), lat=Avg("gps_lat"), lon=Avg("gps_lon"), photo=Min("id"))
        .order_by("-count", "photo")
    )
    return [
        {"lat": row["lat"], "lon": row["lon"], "count": row["count"], "photo": row["photo"]}
        for row in rows
    ]
