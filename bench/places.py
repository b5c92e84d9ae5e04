"""Places benchmark: offline geocoding throughput and map-cluster latency at 100k photos.

    .venv/bin/python bench/places.py [--photos 100000] [--queries 200] [--backends sqlite,postgres]

Each back-end runs in its own process against a database this script creates and drops
(SQLite in a temporary folder; PostgreSQL database `ownphotos_bench_places` on
OWNPHOTOS_BENCH_PG, default postgres://postgres@127.0.0.1:5432). Prints figures only.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backends import run_in_child  # noqa: E402


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _positions(n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Photos as people take them: most around towns (a few km), some anywhere."""
    from api.geo.offline import _offline_index

    index = _offline_index()
    towns = rng.sample(range(len(index.lat)), 500)
    out = []
    for _ in range(n):
        if rng.random() < 0.8:
            j = rng.choice(towns)
            out.append(
                (
                    max(-90.0, min(90.0, index.lat[j] + rng.gauss(0, 0.03))),
                    ((index.lon[j] + rng.gauss(0, 0.03) + 180) % 360) - 180,
                )
            )
        else:
            out.append((rng.uniform(-60, 75), rng.uniform(-180, 180)))
    return out


def _bench_geocoding(coords: list[tuple[float, float]]) -> None:
    from api.geo.offline import offline_locate

    for batch in (1, 100, 1000, 10000):
        sample = coords[: max(batch * 20, 2000)] if batch == 1 else coords
        start = time.perf_counter()
        for i in range(0, len(sample), batch):
            offline_locate(sample[i : i + batch])
        rate = len(sample) / (time.perf_counter() - start)
        print(f"  offline_locate, batches of {batch:>5}: {rate:>10,.0f} photos/s")


def _bench_database(n_photos: int, n_queries: int, coords: list[tuple[float, float]]) -> None:
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from api.geo.geocode import photo_geocode
    from api.geo.offline import offline_locate
    from api.models import Photo, Place, User
    from api.selectors.places import map_clusters, place_counts

    call_command("migrate", verbosity=0)
    user = User.objects.create_user("bench", password="x")
    other = User.objects.create_user("other", password="x")
    start = time.perf_counter()
    Photo.objects.bulk_create(
        [
            Photo(owner=user, content_hash=f"{i:064x}", gps_lat=lat, gps_lon=lon)
            for i, (lat, lon) in enumerate(coords[:n_photos])
        ],
        batch_size=5000,
    )
    Photo.objects.bulk_create(
        [
            Photo(owner=other, content_hash=f"o{i:063x}", gps_lat=lat, gps_lon=lon)
            for i, (lat, lon) in enumerate(coords[: n_photos // 5])
        ],
        batch_size=5000,
    )
    elapsed = time.perf_counter() - start
    print(f"  inserted {n_photos:,} + {n_photos // 5:,} other user's photos in {elapsed:.1f} s")

    sample = list(Photo.objects.filter(owner=user).order_by("id")[:300])
    start = time.perf_counter()
    for photo in sample:
        photo_geocode(photo=photo)
    rate = len(sample) / (time.perf_counter() - start)
    print(f"  photo_geocode per photo (task body, offline, DB writes): {rate:,.0f} photos/s")

    # Give every photo its place in bulk, as a full run of the task would, for place_counts.
    photos = list(Photo.objects.filter(owner=user).only("id", "gps_lat", "gps_lon"))
    places: dict = {}
    for photo, loc in zip(
        photos, offline_locate([(p.gps_lat, p.gps_lon) for p in photos]), strict=True
    ):
        if loc is None:
            continue
        key = (loc.country_code, loc.country, loc.region, loc.city)
        if key not in places:
            places[key] = Place.objects.ensure_path(
                country_code=loc.country_code, country=loc.country, region=loc.region, city=loc.city
            )
        photo.place = places[key]
    Photo.objects.bulk_update(photos, ["place"], batch_size=5000)
    # What autovacuum leaves in steady state: statistics, and a visibility map that lets
    # PostgreSQL answer from the covering index alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    rng = random.Random(7)
    viewports = []
    for _ in range(n_queries):
        zoom = rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 14])
        width = min(360.0, 360.0 / 2**zoom * 4)
        height = min(170.0, width / 2)
        lat, lon = rng.choice(coords)
        south = max(-90.0, lat - height / 2)
        north = min(90.0, lat + height / 2)
        west = ((lon - width / 2 + 180) % 360) - 180
        east = ((lon + width / 2 + 180) % 360) - 180
        if width >= 360:
            west, east = -180.0, 180.0
        viewports.append((west, south, east, north, zoom))

    for label, boxes in (
        ("map clusters, random viewports", viewports),
        ("map clusters, whole world zoom 0-2", [(-180, -90, 180, 90, z % 3) for z in range(60)]),
    ):
        times, cpu, sizes = [], [], []
        for west, south, east, north, zoom in boxes:
            start, start_cpu = time.perf_counter(), time.process_time()
            clusters = map_clusters(
                user=user, west=west, south=south, east=east, north=north, zoom=zoom
            )
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            sizes.append(len(clusters))
        # SQLite runs inside this process, so its CPU time is the latency on an idle machine;
        # wall time also counts waiting for a core on a busy one.
        cpu_note = (
            f"; CPU p50 {statistics.median(cpu):.1f} ms, p95 {_percentile(cpu, 0.95):.1f} ms"
            if connection.vendor == "sqlite"
            else ""
        )
        print(
            f"  {label}: p50 {statistics.median(times):.1f} ms, "
            f"p95 {_percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms{cpu_note} "
            f"({len(times)} queries, median {statistics.median(sizes):.0f} clusters)"
        )

    with CaptureQueriesContext(connection) as captured:
        map_clusters(user=user, west=-180, south=-90, east=180, north=90, zoom=0)
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + captured.captured_queries[-1]["sql"])
        plan = [str(row[-1]).strip() for row in cursor.fetchall()]
    scans = [line for line in plan if "Scan" in line or "SEARCH" in line]
    print(f"  whole-world plan: {' | '.join(scans)}")

    times = []
    for _ in range(20):
        start = time.perf_counter()
        rows = place_counts(user=user)
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"  place_counts ({len(rows):,} rows): p50 {statistics.median(times):.1f} ms, "
        f"p95 {_percentile(times, 0.95):.1f} ms"
    )


def _child(backend: str, n_photos: int, n_queries: int) -> None:
    import django

    django.setup()
    from api.geo.offline import _offline_index

    start = time.perf_counter()
    _offline_index()
    print(f"{backend}: offline index load, once per process: {time.perf_counter() - start:.2f} s")
    rng = random.Random(42)
    coords = _positions(n_photos, rng)
    if backend == "sqlite":
        print(f"Offline geocoding ({len(coords):,} positions, 80% near towns):")
        _bench_geocoding(coords)
    print(f"{backend}: {n_photos:,} geotagged photos")
    _bench_database(n_photos, n_queries, coords)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.photos, args.queries)
        return 0
    status = 0
    for backend in args.backends.split(","):
        status |= run_in_child(
            script=__file__,
            backend=backend,
            name="ownphotos_bench_places",
            child_args=["--photos", str(args.photos), "--queries", str(args.queries)],
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
