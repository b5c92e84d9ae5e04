"""Organising benchmark: event regeneration at 100k photos, full and after adding 1,000.

    .venv/bin/python bench/organise.py [--photos 100000] [--added 1000] [--backends sqlite,postgres]

Each back-end runs in its own process against a database this script creates and drops
(SQLite in a temporary folder; PostgreSQL database `ownphotos_bench_organise` on
OWNPHOTOS_BENCH_PG, default postgres://postgres@127.0.0.1:5432). Prints figures only.
Target: incremental events after adding 1,000 photos < 5 s.
"""

import argparse
import datetime as dt
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.backends import run_in_child  # noqa: E402

START = dt.datetime(2012, 1, 1, tzinfo=dt.UTC)


def _bursts(n: int, start: dt.datetime, rng: random.Random, pause_days: tuple[float, float]):
    """Photo times and places as people take them: bursts of 1-80 shots minutes apart, 40%
    with GPS near one spot in Europe per burst, then a pause."""
    moment, out = start, []
    while len(out) < n:
        spot = (rng.uniform(36, 60), rng.uniform(-9, 30)) if rng.random() < 0.4 else None
        for _ in range(min(n - len(out), rng.randint(1, 80))):
            moment += dt.timedelta(minutes=rng.uniform(0.2, 40))
            where = (spot[0] + rng.gauss(0, 0.05), spot[1] + rng.gauss(0, 0.05)) if spot else None
            out.append((moment, where))
        moment += dt.timedelta(days=rng.uniform(*pause_days))
    return out


def _photos(owner, shots: list[tuple[dt.datetime, tuple | None]], tag: str) -> list:
    from api.models import Photo

    return [
        Photo(
            owner=owner,
            content_hash=f"{tag}{i:063x}"[:64],
            taken_at=moment,
            taken_date=moment.date(),
            date_source="exif_original",
            gps_lat=where[0] if where else None,
            gps_lon=where[1] if where else None,
        )
        for i, (moment, where) in enumerate(shots)
    ]


def _timed(label: str, action) -> object:
    start = time.perf_counter()
    result = action()
    print(f"  {label}: {time.perf_counter() - start:.2f} s  {result if result else ''}")
    return result


def _child(backend: str, n_photos: int, n_added: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from api.models import Album, Photo, User
    from api.selectors.albums import album_list
    from api.services.events import events_regenerate
    from api.services.trash import trash_purge

    call_command("migrate", verbosity=0)
    rng = random.Random(6)
    user = User.objects.create_user("bench", password="x")
    shots = _bursts(n_photos, START, rng, (0.5, 4.0))
    start = time.perf_counter()
    Photo.objects.bulk_create(_photos(user, shots, "a"), batch_size=5000)
    last = shots[-1][0]
    span = f"{START:%Y-%m} to {last:%Y-%m}"
    elapsed = time.perf_counter() - start
    print(f"{backend}: {n_photos:,} photos ({span}) inserted in {elapsed:.1f} s")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    _timed("events, first (full) run", lambda: events_regenerate(user=user))
    events = Album.objects.filter(owner=user, kind=Album.Kind.EVENT)
    held = Photo.objects.filter(albums__in=events).count()
    print(f"  {events.count():,} events holding {held:,} photos")
    _timed("events, rerun with nothing changed", lambda: events_regenerate(user=user))

    recent = _bursts(n_added, last + dt.timedelta(days=2), rng, (0.5, 2.0))
    Photo.objects.bulk_create(_photos(user, recent, "b"), batch_size=5000)
    _timed(
        f"events after adding {n_added:,} recent photos (incremental)",
        lambda: events_regenerate(user=user),
    )
    seconds = sorted(rng.uniform(0, (last - START).total_seconds()) for _ in range(n_added))
    scattered = [(START + dt.timedelta(seconds=s), None) for s in seconds]
    Photo.objects.bulk_create(_photos(user, scattered, "c"), batch_size=5000)
    _timed(
        f"events after adding {n_added:,} photos scattered over all years (incremental)",
        lambda: events_regenerate(user=user),
    )
    _timed("events, full regeneration", lambda: events_regenerate(user=user, full=True))

    start = time.perf_counter()
    page = list(album_list(albums=Album.objects.for_user(user).filter(kind="event"))[:100])
    members = sum(len(album.visible_memberships) for album in page)
    elapsed = (time.perf_counter() - start) * 1000
    print(f"  album list page of 100 events ({members:,} members): {elapsed:.0f} ms")

    trashed = list(Photo.objects.filter(owner=user).order_by("?")[:n_added].values("pk"))
    Photo.objects.filter(pk__in=[row["pk"] for row in trashed]).update(
        in_trash=True, trashed_at=timezone.now() - dt.timedelta(days=31)
    )
    _timed(f"trash purge of {n_added:,} photos", trash_purge)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--added", type=int, default=1_000)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.photos, args.added)
        return 0
    status = 0
    for backend in args.backends.split(","):
        status |= run_in_child(
            script=__file__,
            backend=backend,
            name="ownphotos_bench_organise",
            child_args=["--photos", str(args.photos), "--added", str(args.added)],
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
