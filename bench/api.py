"""API latency at 100k photos: timeline, list pages, a day, a detail, the web grid's months
(p50/p95, in process, warm).

    .venv/bin/python bench/api.py                       # a temporary SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ownphotos_x .venv/bin/python bench/api.py
                                                         # creates and drops ownphotos_x_bench_api

Rows only (no files): 100,000 photos over 15 years for one user and 10,000 for a second one,
plus one month (June 2026) of 5,000 photos for the web grid's worst case.
Requests go through Django's test Client with a JWT, so routing, auth, filters, pagination,
serialization and rendering are all measured.
"""

import argparse
import base64
import datetime as dt
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _database(url: str | None) -> tuple[str, callable]:
    """A private database URL for the run and the function that removes it afterwards."""
    if url and url.startswith("postgres"):
        import psycopg

        parsed = urlparse(url)
        name = f"{parsed.path.lstrip('/') or 'ownphotos'}_bench_api"
        admin = urlunparse(parsed._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return urlunparse(parsed._replace(path=f"/{name}")), drop
    path = Path(tempfile.mkdtemp(prefix="ownphotos-bench-")) / "bench.sqlite3"
    return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)


def _photos(owner, count: int, seed: int) -> list:
    """Rows as a scan leaves them: dated in their own zone, a few undated, hidden or trashed."""
    from api.models import Photo

    rng = random.Random(seed)
    start = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    span = 15 * 365 * 24 * 3600
    rows = []
    for n in range(count):
        dated = rng.random() > 0.02
        offset = rng.choice([-480, -300, 0, 60, 120, 330, 540]) if rng.random() > 0.3 else None
        taken_at = start + dt.timedelta(seconds=rng.randrange(span)) if dated else None
        local = taken_at + dt.timedelta(minutes=offset or 0) if taken_at else None
        rows.append(
            Photo(
                owner=owner,
                content_hash=f"{seed:08x}{n:056x}",
                mime="image/jpeg",
                taken_at=taken_at,
                taken_date=local.date() if local else None,
                tz_offset=offset,
                date_source="exif_original" if dated else "mtime",
                width=4032,
                height=3024,
                camera_make="Canon",
                camera_model="Canon EOS R5",
                is_video=rng.random() < 0.03,
                favorite=rng.random() < 0.05,
                hidden=rng.random() < 0.01,
                in_trash=rng.random() < 0.01,
            )
        )
    return rows


BIG_MONTH = 5_000


def _big_month(owner, count: int) -> list:
    """`count` photos in June 2026, a few minutes apart, some with a video's duration."""
    from api.models import Photo

    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    return [
        Photo(
            owner=owner,
            content_hash=f"{3:08x}{n:056x}",
            mime="image/jpeg",
            taken_at=start + dt.timedelta(minutes=8 * n),
            taken_date=(start + dt.timedelta(minutes=8 * n)).date(),
            width=4032,
            height=3024,
            is_video=n % 30 == 0,
            duration=12.0 if n % 30 == 0 else None,
            favorite=n % 20 == 0,
        )
        for n in range(count)
    ]


def _cursor(photo, count: int) -> str:
    """The `next` cursor a client holds after paging down to `photo` (it carries the count)."""
    data = {
        "f": 1,
        "t": photo.taken_at.isoformat() if photo.taken_at else None,
        "i": photo.pk,
        "c": count,
    }
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode()


def _measure(client, url: str, headers: dict, runs: int) -> tuple[float, float]:
    for _ in range(max(5, runs // 10)):
        assert client.get(url, **headers).status_code == 200, url
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, url
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    url, drop = _database(os.environ.get("DATABASE_URL"))
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("OWNPHOTOS_DATA", tempfile.mkdtemp(prefix="ownphotos-bench-data-"))
    os.environ.pop("OWNPHOTOS_DEBUG", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ownphotos.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.test import Client

    from api.models import Photo, User

    try:
        call_command("migrate", verbosity=0)
        owner = User.objects.create_user("bench", password="bench password")
        other = User.objects.create_user("other", password="bench password")
        began = time.perf_counter()
        Photo.objects.bulk_create(_photos(owner, args.photos, 1), batch_size=5000)
        Photo.objects.bulk_create(_photos(other, args.photos // 10, 2), batch_size=5000)
        Photo.objects.bulk_create(_big_month(owner, BIG_MONTH), batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        print(
            f"{connection.vendor}: {args.photos:,} + {args.photos // 10:,} photo rows in "
            f"{time.perf_counter() - began:.1f} s"
        )

        client = Client(HTTP_HOST="localhost")
        token = client.post(
            "/api/auth/token/",
            {"username": "bench", "password": "bench password"},
            content_type="application/json",
        ).json()["access"]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        ordered = (
            Photo.objects.for_user(owner)
            .in_library()
            .order_by(F("taken_at").desc(nulls_last=True), "-id")
        )
        total = ordered.count()
        deep = ordered[int(total * 0.9)]
        day = (
            Photo.objects.for_user(owner)
            .in_library()
            .filter(taken_date__isnull=False)
            .order_by("?")
            .first()
            .taken_date
        )
        detail = ordered[args.photos // 2]
        month = day.isoformat()[:7]
        month_size = ordered.filter(
            taken_date__year=int(month[:4]), taken_date__month=int(month[5:])
        ).count()
        cases = [
            ("timeline", "/api/timeline/"),
            ("list, first page (100)", "/api/photos/"),
            ("list, page at 90%", f"/api/photos/?cursor={_cursor(deep, total)}"),
            ("list, favourites", "/api/photos/?favorite=true"),
            ("a day's photos", f"/api/timeline/{day.isoformat()}/"),
            ("one photo", f"/api/photos/{detail.pk}/"),
            ("month buckets", "/api/timeline/months/"),
            ("month buckets, favourites", "/api/timeline/months/?favorite=true"),
            (f"a month ({month_size:,} photos)", f"/api/timeline/months/{month}/"),
            (f"a month of {BIG_MONTH:,}", "/api/timeline/months/2026-06/"),
            ("range, every id (select all)", "/api/timeline/range/"),
        ]
        slow = {
            f"a month of {BIG_MONTH:,}": max(20, args.runs // 4),
            "range, every id (select all)": max(10, args.runs // 10),
        }
        print(f"{'request':<30}{'p50 ms':>9}{'p95 ms':>9}   ({args.runs} runs, warm)")
        for name, path in cases:
            p50, p95 = _measure(client, path, headers, slow.get(name, args.runs))
            print(f"{name:<30}{p50:>9.2f}{p95:>9.2f}")
    finally:
        drop()


if __name__ == "__main__":
    main()
