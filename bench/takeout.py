"""Takeout import benchmark: a generated Takeout of small photos with sidecars in 3 zip parts,
imported in one process (no ML); photos per second and resident memory as it goes, beside
the plain scan's ingest rate on the same kind of photos. Prints figures; asserts nothing.

    .venv/bin/python bench/takeout.py [--photos 20000] [--parts 3] [--reference 2000]

Runs on a throw-away data folder (SQLite unless DATABASE_URL is set). Each photo is a small
corpus JPEG with a few bytes after its end marker (its own bytes, still a valid JPEG), in
one of 40 album folders, with its `.supplemental-metadata.json` sidecar in the next part.
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
import zipfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CORPUS = BASE_DIR.parent / "shared" / "photos"
SEED = CORPUS / "exif" / "Fujifilm_FinePix_E500.jpg"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def takeout_generate(folder: Path, count: int, parts: int) -> list[Path]:
    seed = SEED.read_bytes()
    paths = [folder / f"takeout-20250101T000000Z-{i + 1:03d}.zip" for i in range(parts)]
    archives = [zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) for path in paths]
    for i in range(count):
        album = f"Takeout/Google Photos/Album {i % 40:02d}"
        name = f"IMG_{i:06d}.jpg"
        archives[i % parts].writestr(f"{album}/{name}", seed + i.to_bytes(4, "big"))
        sidecar = {"title": name, "photoTakenTime": {"timestamp": str(1_500_000_000 + i)}}
        archives[(i + 1) % parts].writestr(
            f"{album}/{name}.supplemental-metadata.json", json.dumps(sidecar)
        )
    for i in range(40):
        metadata = json.dumps({"title": f"Album {i:02d}"})
        archives[i % parts].writestr(f"Takeout/Google Photos/Album {i:02d}/metadata.json", metadata)
    for archive in archives:
        archive.close()
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=20_000)
    parser.add_argument("--parts", type=int, default=3)
    parser.add_argument("--reference", type=int, default=2_000, help="photos the scan ingests")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="ownphotos-bench-"))
    os.environ["OWNPHOTOS_DATA"] = str(work / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ownphotos.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    from api.ingest.scan import library_scan
    from api.ingest.takeout import takeout_import
    from api.services.users import user_create_or_update

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    (work / "zips").mkdir()
    zips = takeout_generate(work / "zips", args.photos, args.parts)
    megabytes = sum(path.stat().st_size for path in zips) / 1e6
    print(
        f"generated {args.photos} photos + sidecars in {args.parts} zips ({megabytes:.0f} MB) "
        f"in {time.perf_counter() - started:.1f} s; RSS before import {_rss_mb():.0f} MB"
    )

    (work / "library").mkdir()
    user = user_create_or_update(username="bench", libraries=[work / "library"])
    samples: list[tuple[int, float]] = []
    marks = {round(args.photos * share) for share in (0.1, 0.25, 0.5, 0.75, 1.0)}

    def progress(done: int, total: int) -> None:
        if done in marks:
            samples.append((done, _rss_mb()))

    started = time.perf_counter()
    summary = takeout_import(user=user, paths=zips, progress=progress)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    summary["sidecars_unmatched"] = len(summary["sidecars_unmatched"])
    summary["errors"] = len(summary["errors"])
    print(f"takeout import (one process, no ML): {summary}")
    print(f"  wall {wall:.1f} s: {summary['imported'] / wall:.1f} photos/s")
    print("  RSS as it went: " + ", ".join(f"{done}: {mb:.0f} MB" for done, mb in samples))
    print(f"  peak RSS of the process {peak:.0f} MB")

    # The scan's own rate on the same photos, already extracted into a library folder.
    folder = work / "plain"
    seed = SEED.read_bytes()
    for i in range(args.reference):
        path = folder / f"{i // 100:03d}" / f"IMG_{i:06d}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(seed + (10**8 + i).to_bytes(4, "big"))
    other = user_create_or_update(username="bench-scan", libraries=[folder])
    started = time.perf_counter()
    counts = library_scan(user=other)
    rate = counts["new"] / (time.perf_counter() - started)
    print(f"scan of {args.reference} of the same photos: {rate:.1f} photos/s {counts}")
    print(f"import / scan rate: {summary['imported'] / wall / rate:.2f}")
    print(f"(work folder {work})")


if __name__ == "__main__":
    main()
