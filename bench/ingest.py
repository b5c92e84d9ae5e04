"""Ingest benchmark (no machine learning): photos per second per core, and the time of a
rescan of an unchanged 10,000-file library. Prints figures; asserts nothing about speed.

    .venv/bin/python bench/ingest.py [--photos 200] [--megapixels 12] [--files 10000]

Runs on a throw-away data folder (SQLite unless DATABASE_URL is set). The photos are made
from the test corpus by cropping and resizing each source a little differently, so every
one has its own bytes, and re-encoding as JPEG with the source's EXIF.
"""

import argparse
import hashlib
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CORPUS = BASE_DIR.parent / "shared" / "photos"


def _make_photo(job: tuple[Path, Path, int, int]) -> None:
    from PIL import Image

    source, target, index, megapixels = job
    with Image.open(source) as image:
        exif = image.info.get("exif", b"")
        image = image.convert("RGB")
        crop = index % 17
        image = image.crop((crop, crop, image.width - crop, image.height - crop))
        scale = (megapixels * 1e6 / (image.width * image.height)) ** 0.5
        size = (round(image.width * scale), round(image.height * scale))
        image.resize(size, Image.Resampling.BILINEAR).save(
            target, "JPEG", quality=88 + index % 5, exif=exif
        )


def photos_generate(folder: Path, count: int, megapixels: int) -> list[Path]:
    sources = sorted(
        path
        for path in CORPUS.glob("*/**/*.jp*g")
        if "broken" not in path.parts and path.stat().st_size > 100_000
    )
    jobs = [
        (sources[i % len(sources)], folder / f"{i // 50:02d}" / f"bench_{i:04d}.jpg", i, megapixels)
        for i in range(count)
    ]
    for _, target, _, _ in jobs:
        target.parent.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor() as pool:
        list(pool.map(_make_photo, jobs, chunksize=4))
    return [target for _, target, _, _ in jobs]


def small_library_generate(folder: Path, count: int) -> list[Path]:
    seed = (CORPUS / "exif" / "Fujifilm_FinePix_E500.jpg").read_bytes()
    paths = []
    for i in range(count):
        path = folder / f"{i // 100:03d}" / f"small_{i:05d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Bytes after the JPEG end marker make each file distinct and still a valid JPEG.
        path.write_bytes(seed + i.to_bytes(4, "big"))
        paths.append(path)
    return paths


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--megapixels", type=int, default=12)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--reuse", type=Path, help="a photos folder an earlier run generated")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ownphotos-bench-"))
    os.environ["OWNPHOTOS_DATA"] = str(work / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ownphotos.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    from api.ingest import phash, thumbnails
    from api.ingest.pipeline import METADATA_VERSION
    from api.ingest.scan import library_scan
    from api.models import File, Photo
    from api.services.users import user_create_or_update

    call_command("migrate", verbosity=0)

    started = time.perf_counter()
    if args.reuse:
        (work / "photos").symlink_to(args.reuse.resolve(), target_is_directory=True)
        photos = sorted((work / "photos").glob("*/*.jpg"))
    else:
        photos = photos_generate(work / "photos", args.photos, args.megapixels)
    megabytes = sum(path.stat().st_size for path in photos) / 1e6
    print(
        f"generated {len(photos)} JPEGs of {args.megapixels} MP ({megabytes:.0f} MB) "
        f"in {time.perf_counter() - started:.1f} s"
    )

    user = user_create_or_update(username="bench", libraries=[(work / "photos").resolve()])
    cpu, started = _cpu_seconds(), time.perf_counter()
    counts = library_scan(user=user)
    wall, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    print(f"ingest (one process, no ML): {counts}")
    print(f"  wall {wall:.2f} s, CPU {cpu:.2f} s")
    print(f"  {counts['new'] / wall:.1f} photos/s on one core (wall clock)")
    print(f"  {counts['new'] / cpu:.1f} photos per CPU-second")

    cpu, started = _cpu_seconds(), time.perf_counter()
    counts = library_scan(user=user)
    print(f"rescan of those {len(photos)}: {time.perf_counter() - started:.3f} s {counts}")

    # The unchanged library: files on disk plus the rows a scan leaves for them, inserted in
    # bulk (a real first scan of 10,000 files only adds minutes here, not information).
    small = small_library_generate(work / "small", args.files)
    other = user_create_or_update(username="bench-rescan", libraries=[work / "small"])
    rows = []
    for path in small:
        stat, digest = path.stat(), hashlib.sha256(path.read_bytes()).hexdigest()
        rows.append((path, stat, digest))
    # Their ingest steps done at the current versions: a scan counts only such files unchanged.
    steps = {
        "metadata": {"state": "done", "version": METADATA_VERSION},
        "thumbnails": {"state": "done", "version": thumbnails.VERSION},
        "phash": {"state": "done", "version": phash.VERSION},
    }
    Photo.objects.bulk_create(
        [
            Photo(owner=other, content_hash=digest, mime="image/jpeg", steps=steps)
            for _, _, digest in rows
        ],
        batch_size=1000,
    )
    created = {photo.content_hash: photo for photo in Photo.objects.filter(owner=other)}
    File.objects.bulk_create(
        [
            File(
                owner=other,
                photo=created[digest],
                path=str(path),
                size=stat.st_size,
                mtime_ns=stat.st_mtime_ns,
                content_hash=digest,
                mime="image/jpeg",
            )
            for path, stat, digest in rows
        ],
        batch_size=1000,
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        counts = library_scan(user=other)
        timings.append(time.perf_counter() - started)
    assert counts["unchanged"] == args.files, counts
    print(
        f"unchanged rescan of {args.files} files: best {min(timings):.3f} s, "
        f"worst {max(timings):.3f} s over {len(timings)} runs {counts}"
    )
    print(f"(work folder {work}; reuse its photos with --reuse {work / 'photos'})")


if __name__ == "__main__":
    main()
