"""Pipeline benchmark: photos per second fully enriched through real workers, as `serve` starts
them, from the scan's start until the last step of the last photo. Prints figures; asserts
nothing about speed.

    .venv/bin/python bench/pipeline.py [--photos 300] [--megapixels 12] [--runs a b c]
        [--reuse PHOTOS]

Runs: (a) the embedded default (SQLite, filesystem broker, the worker's default concurrency),
(b) Redis + PostgreSQL with one worker process of concurrency 1, (c) the same with two. Every
step has a model of its real size: dlib (real weights), places365 WideResNet-18 and CLIP
ViT-B-32 with random weights saved as files, offline geocoding. PostgreSQL is DATABASE_URL
(its database is emptied and migrated) and Redis is CELERY_BROKER_URL.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

BASE_DIR = Path(__file__).resolve().parent.parent
# The repository first: bench/api.py must not shadow the `api` package.
sys.path.insert(0, str(BASE_DIR / "bench"))
sys.path.insert(0, str(BASE_DIR))

STEPS = ("metadata", "thumbnails", "faces", "scenes", "clip")
TIMEOUT = 3600


def _models_install(folder: Path) -> dict[str, str]:
    """places365 and CLIP ViT-B-32 of their real sizes with random weights, as files."""
    import numpy as np
    import open_clip
    import torch

    from api.ml.scenes import ATTRIBUTE_WEIGHTS, ATTRIBUTES, CHECKPOINT, FEATURES, wideresnet18

    places = folder / "places365"
    places.mkdir(parents=True)
    torch.manual_seed(0)
    state = {f"module.{k}": v for k, v in wideresnet18().state_dict().items()}
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    torch.save({"epoch": 1, "arch": "wideresnet18", "state_dict": state}, places / CHECKPOINT)
    names = [f"/s/scene_{i}" for i in range(365)]
    (places / "categories_places365.txt").write_text(
        "".join(f"{n} {i}\n" for i, n in enumerate(names))
    )
    (places / "IO_places365.txt").write_text(
        "".join(f"{n} {1 + i % 2}\n" for i, n in enumerate(names))
    )
    (places / "labels_sunattribute.txt").write_text("".join(f"a{i}\n" for i in range(ATTRIBUTES)))
    weights = np.random.default_rng(0).normal(scale=0.05, size=(ATTRIBUTES, FEATURES))
    np.save(places / ATTRIBUTE_WEIGHTS, weights.astype(np.float32))
    checkpoint = folder / "ViT-B-32-random.pt"
    torch.save(open_clip.create_model("ViT-B-32", pretrained=None).state_dict(), checkpoint)
    return {
        "OWNPHOTOS_MODELS": str(folder),
        "OWNPHOTOS_CLIP_MODEL": "ViT-B-32",
        "OWNPHOTOS_CLIP_PRETRAINED": str(checkpoint),
    }


def _fresh_database(env: dict[str, str]) -> None:
    if env["DATABASE_URL"].startswith("postgres"):
        base, database = env["DATABASE_URL"].rsplit("/", 1)
        for sql in (f"DROP DATABASE IF EXISTS {database}", f"CREATE DATABASE {database}"):
            subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
    if env["CELERY_BROKER_URL"].startswith("redis"):
        subprocess.run(
            ["redis-cli", "-u", env["CELERY_BROKER_URL"], "flushdb"],
            check=True,
            stdout=subprocess.DEVNULL,
        )


def _one(name: str, photos: Path, count: int, concurrency: int | None) -> None:
    """One configuration, in this process (started with its environment by main)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from api.management.commands.serve import worker_command, worker_environment
    from api.models import Embedding, Job, Photo, User
    from api.services.jobs import job_create, job_enqueue

    call_command("migrate", "--no-input", verbosity=0)
    with open(os.devnull, "w") as quiet:
        call_command("bootstrap_admin", "--library", str(photos), stdout=quiet)
    admin = User.objects.get(username="admin")
    command = worker_command(broker_url=os.environ["CELERY_BROKER_URL"])
    if concurrency:
        command += ["--concurrency", str(concurrency)]
    log = Path(os.environ["OWNPHOTOS_DATA"]) / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            command, cwd=BASE_DIR, env=worker_environment(), stdout=out, stderr=subprocess.STDOUT
        )
    try:
        while b" ready." not in log.read_bytes():
            time.sleep(0.2)
        start = time.monotonic()
        with transaction.atomic():
            job = job_enqueue(job=job_create(owner=admin, kind=Job.Kind.SCAN))
        first_clip = None
        peaks: dict[int, int] = {}
        while time.monotonic() - start < TIMEOUT:
            _rss(worker.pid, peaks)
            if first_clip is None and Embedding.objects.exists():
                first_clip = time.monotonic() - start
            job.refresh_from_db()
            if job.state == Job.State.DONE and _enriched(Photo.objects.filter(owner=admin), count):
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - start
    finally:
        worker.terminate()
        worker.wait(timeout=120)
    rss = ", ".join(f"{value / 2**20:.0f} MB" for value in sorted(peaks.values(), reverse=True))
    print(
        f"({name}) {count} photos fully enriched in {elapsed:.1f} s: {count / elapsed:.2f} "
        f"photos/s; first CLIP embedding after {first_clip or float('nan'):.1f} s; peak RSS of "
        f"the worker processes: {rss}",
        flush=True,
    )
    print(f"ELAPSED {elapsed}", flush=True)


def _rss(pid: int, peaks: dict[int, int]) -> None:
    """Peak resident memory (VmHWM) of the worker and its pool processes so far."""
    try:
        processes = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return
    for process in processes:
        try:
            for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[process.pid] = max(peaks.get(process.pid, 0), int(line.split()[1]) * 1024)
        except OSError:
            continue


def _enriched(photos, count: int) -> bool:
    """Every photo has every step settled (done, or failed/skipped with a reason)."""
    rows = list(photos.values_list("steps", "gps_lat"))
    if len(rows) < count:
        return False
    for steps, lat in rows:
        needed = STEPS + (("geocode",) if lat is not None else ())
        if any(
            (steps.get(step) or {}).get("state") not in ("done", "failed", "skipped")
            for step in needed
        ):
            return False
    return True


RUNS = {
    "a": ("a: embedded default", None),
    "b": ("b: Redis + PostgreSQL, one worker process of concurrency 1", 1),
    "c": ("c: Redis + PostgreSQL, concurrency 2", 2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=300)
    parser.add_argument("--megapixels", type=int, default=12)
    parser.add_argument("--runs", nargs="+", default=["a", "b", "c"], choices=sorted(RUNS))
    parser.add_argument("--reuse", type=Path, help="a photos folder an earlier run generated")
    parser.add_argument("--one", choices=sorted(RUNS), help=argparse.SUPPRESS)
    parser.add_argument("--library", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        name, concurrency = RUNS[args.one]
        _one(name, Path(args.library), args.photos, concurrency)
        return
    redis = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/6")
    postgres = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ownphotos_pipeline"
    )
    work = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    from ingest import photos_generate

    if args.reuse:
        photos = args.reuse.resolve()
        args.photos = len(list(photos.glob("*/*.jpg")))
    else:
        photos = work / "photos"
        photos_generate(photos, args.photos, args.megapixels)
    base = {**os.environ, **_models_install(work / "models")}
    base["DJANGO_SETTINGS_MODULE"] = "ownphotos.settings"
    print(
        f"{args.photos} photos of {args.megapixels} MP in {photos}; the machine is shared and "
        "loaded, so figures are pessimistic",
        flush=True,
    )
    times = {}
    count = ["--photos", str(args.photos)]
    for run in args.runs:
        env = {**base, "OWNPHOTOS_DATA": str(work / f"data-{run}")}
        if run == "a":
            env.update(CELERY_BROKER_URL="filesystem://")
            env["DATABASE_URL"] = f"sqlite:///{work / f'data-{run}' / 'db.sqlite3'}"
        else:
            env.update(CELERY_BROKER_URL=redis, DATABASE_URL=postgres)
        Path(env["OWNPHOTOS_DATA"]).mkdir()
        _fresh_database(env)
        output = subprocess.run(
            [sys.executable, __file__, "--one", run, "--library", str(photos), *count],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        lines = output.splitlines()
        print("\n".join(line for line in lines if not line.startswith("ELAPSED")), flush=True)
        times[run] = float(next(line for line in lines if line.startswith("ELAPSED")).split()[1])
    if {"a", "b"} <= times.keys():
        print(f"(a) takes {times['a'] / times['b']:.2f}x the time of (b)")
    if {"b", "c"} <= times.keys():
        print(f"(c) is {times['b'] / times['c']:.2f}x as fast as (b)")


if __name__ == "__main__":
    main()
