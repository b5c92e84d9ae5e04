"""Approximate nearest neighbours without pgvector (SQLite, what `make run` gives): a usearch
HNSW index (cosine, int8) per (database, owner, model, version, size) in the data folder,
memory-mapped read-only, so every web and worker process of the machine shares one copy in
the page cache instead of holding the vectors itself. int8 is a byte a dimension: 1M 512-d
vectors and their graph take ~630 MiB (63 MiB at 100,000 measured), and a walk is cheaper
than float16's; its scores are off by ~0.005, so the walk only gathers candidates and
float32 decides.

- A file is `index-<stamp>-<bytes>.usearch`: it holds every embedding written up to `stamp`
  (microseconds since the epoch of the newest `created_at` read before the build) and must be
  `bytes` long. It is written under another name and renamed, so a process that has the old
  one mapped keeps a valid file until it moves on.
- Rows written after the stamp (the "delta") are read from the database at most every
  settings.VECTOR_EXACT_REFRESH_SECONDS and ranked exactly in process: a new photo is
  searchable seconds after it is embedded. When the delta passes VECTOR_INDEX_MERGE_ROWS rows
  or VECTOR_INDEX_MERGE_SECONDS of age, a background thread merges it into a new file.
- Missing, truncated (its length is checked before each search, since reading a mapped page
  past the end of a truncated file kills the process) or stale (the database holds rows the
  file lacks, or was reset under it) files are rebuilt by a background thread. Meanwhile the
  mapped file, if any, or the exact back-end answers. A lock file keeps builds to one process.
- Filters leaving at most settings.VECTOR_EXACT_BELOW photos are ranked exactly over those
  photos; wider ones walk the index for ever more neighbours until enough pass them. The
  neighbours returned are re-scored in float32 from the database, so scores and order are those
  of the exact back-end and of pgvector.
"""

import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models import Max, QuerySet
from django.db.models.expressions import RawSQL
from usearch.index import Index, ScalarKind

from api.models import Embedding, Photo
from api.search.backends import exact
from api.search.backends.scoring import rows_ranked, rows_stacked

logger = logging.getLogger(__name__)

# int8: a byte a dimension, so 1M 512-d vectors map 0.5 GB, not float16's 1 GB; the walk only
# gathers candidates, which are re-scored in float32. pgvector's neighbour count; a build walk
# of 64 (pgvector's default) adds vectors twice as fast as 128 for the same recall after the
# re-score.
DTYPE = ScalarKind.I8
CONNECTIVITY = 16
EXPANSION_ADD = 64
# At least this many neighbours are re-scored (see _pool).
_RESCORED_MIN = 50
# Rows read and added to the index at a time.
_BLOCK = 20_000
_FILE = re.compile(r"index-(\d+)-(\d+)\.usearch")


@dataclass
class _State:
    folder: Path
    view: Index | None = None
    path: Path | None = None
    size: int = 0
    stamp: int = 0
    delta_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    delta_rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    delta_since: float = 0.0
    refreshed_at: float = float("-inf")
    checked_at: float = float("-inf")
    verified_at: float = float("-inf")
    worker: threading.Thread | None = None


_states: dict[tuple, _State] = {}
_lock = threading.Lock()


def index_folder(*, using: str, owner_id: int, model_name: str, model_version: str, dim: int):
    """Where the index of these embeddings lives: one folder per database (its settings
    hashed, so a test database and the real one never share files) and key."""
    database = settings.DATABASES[using]
    where = json.dumps([database["ENGINE"], str(database["NAME"]), database.get("HOST", "")])
    digest = hashlib.sha256(f"{where}|{model_version}".encode()).hexdigest()[:16]
    name = re.sub(r"[^\w.-]", "_", f"{owner_id}-{model_name}-{dim}-{digest}")
    return Path(settings.VECTOR_INDEX_DIR) / name


def _embeddings(using: str, owner_id: int, model_name: str, model_version: str, dim: int):
    return Embedding.objects.using(using).filter(
        photo__owner_id=owner_id, model_name=model_name, model_version=model_version, dim=dim
    )


def _micros(moment: dt.datetime | None) -> int:
    """Microseconds since the epoch, exactly (a float timestamp may round across a row)."""
    if moment is None:
        return 0
    return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


def _current(folder: Path) -> tuple[Path, int, int] | None:
    """The newest complete index file in `folder`: (path, stamp, expected length)."""
    best = None
    for path in folder.glob("index-*.usearch") if folder.is_dir() else ():
        match = _FILE.fullmatch(path.name)
        if match and (best is None or int(match[1]) > best[1]):
            best = (path, int(match[1]), int(match[2]))
    return best


def _intact(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def index_build(
    *, using: str, owner_id: int, model_name: str, model_version: str, dim: int, merge: bool = False
) -> Path | None:
    """Write a new index file of these embeddings: from scratch, or with `merge` the current
    file plus the rows written since its stamp. Returns its path, or None when another
    process holds the build lock (it is building the same thing)."""
    folder = index_folder(
        using=using, owner_id=owner_id, model_name=model_name, model_version=model_version, dim=dim
    )
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "build.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return None
        embeddings = _embeddings(using, owner_id, model_name, model_version, dim)
        # The stamp is read first: a row written during the build is newer and so is in the
        # delta of every reader, whether or not the build saw it.
        stamp = _micros(embeddings.aggregate(latest=Max("created_at"))["latest"])
        current = _current(folder) if merge else None
        index = (
            Index.restore(str(current[0])) if current and _intact(current[0], current[2]) else None
        )
        if index is not None and index.dtype == DTYPE:
            rows = embeddings.filter(created_at__gt=_moment(current[1]))
        else:
            index = Index(
                ndim=dim,
                metric="cos",
                dtype=DTYPE,
                connectivity=CONNECTIVITY,
                expansion_add=EXPANSION_ADD,
            )
            rows = embeddings
        for keys, block in _blocks(rows):
            _add(index, keys, block)
        temporary = folder / f".building-{os.getpid()}-{threading.get_ident()}"
        index.save(str(temporary))
        # Written back before it is published: a crash cannot leave a torn index under the final
        # name, and every process maps clean, shared page-cache pages.
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        path = folder / f"index-{stamp:d}-{temporary.stat().st_size:d}.usearch"
        os.replace(temporary, path)
        for old in folder.glob("index-*.usearch"):
            if old != path:
                old.unlink(missing_ok=True)
        return path


def _moment(micros: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)


def _blocks(rows: QuerySet[Embedding]):
    """(photo ids, float32 matrix) in blocks of _BLOCK rows, read straight off the cursor:
    one copy of each vector's bytes into the matrix, not a model field and an array each."""
    query, params = rows.values_list("photo_id", "vector").query.sql_with_params()
    with connections[rows.db].cursor() as cursor:
        cursor.execute(query, params)
        while block := cursor.fetchmany(_BLOCK):
            keys = np.fromiter((row[0] for row in block), dtype=np.uint64, count=len(block))
            matrix = np.frombuffer(b"".join(row[1] for row in block), dtype=np.float32)
            yield keys, matrix.reshape(len(block), -1)


def _add(index: Index, keys: np.ndarray, vectors: np.ndarray) -> None:
    # A re-embedded photo replaces its old vector.
    present = keys[index.contains(keys)] if len(index) else keys[:0]
    if len(present):
        index.remove(present)
    index.add(keys, vectors, threads=settings.VECTOR_INDEX_THREADS)


def _build_soon(state: _State, key: tuple, merge: bool) -> None:
    """Build or merge in a background thread, unless one is running in this process."""
    if state.worker is not None and state.worker.is_alive():
        return
    using, owner_id, model_name, model_version, dim = key

    def work() -> None:
        try:
            index_build(
                using=using,
                owner_id=owner_id,
                model_name=model_name,
                model_version=model_version,
                dim=dim,
                merge=merge,
            )
        except Exception:
            logger.exception("building the vector index in %s failed", state.folder)
        finally:
            state.checked_at = state.verified_at = float("-inf")
            connections.close_all()

    state.worker = threading.Thread(target=work, name="vector-index", daemon=True)
    state.worker.start()


def _state(using: str, owner_id: int, model_name: str, model_version: str, dim: int) -> _State:
    """This process's view of the index, kept in step with the folder and the database."""
    key = (using, owner_id, model_name, model_version, dim)
    folder = index_folder(
        using=using, owner_id=owner_id, model_name=model_name, model_version=model_version, dim=dim
    )
    with _lock:
        state = _states.get(key)
        if state is None or state.folder != folder:
            state = _states[key] = _State(folder=folder)
        if state.view is not None and not _intact(state.path, state.size):
            # Truncated under us: reading its pages now would be fatal; deleted is harmless
            # (the mapping keeps the file) but it must come back.
            if state.path.exists():
                state.view = None
            state.checked_at = float("-inf")
        now = time.monotonic()
        if now - state.checked_at >= settings.VECTOR_EXACT_REFRESH_SECONDS:
            state.checked_at = now
            _reopen(state, key)
        if now - state.refreshed_at >= settings.VECTOR_EXACT_REFRESH_SECONDS:
            state.refreshed_at = now
            _refresh_delta(state, key)
        return state


def _reopen(state: _State, key: tuple) -> None:
    current = _current(state.folder)
    if current is None or not _intact(current[0], current[2]):
        if current is not None:
            current[0].unlink(missing_ok=True)
        _build_soon(state, key, merge=False)
        return
    path, stamp, size = current
    if path != state.path or state.view is None:
        try:
            view = Index.restore(str(path), view=True)
        except (ValueError, RuntimeError):
            logger.warning("unreadable vector index %s: rebuilding it", path)
            path.unlink(missing_ok=True)
            _build_soon(state, key, merge=False)
            return
        state.view, state.path, state.size, state.stamp = view, path, size, stamp
        state.refreshed_at = float("-inf")
        exact.cache_drop(*key[:4])
        if view.dtype != DTYPE:
            # An older layout (float16): it answers until its replacement is written.
            _build_soon(state, key, merge=False)
    now = time.monotonic()
    if now - state.verified_at >= settings.VECTOR_INDEX_CHECK_SECONDS:
        # Counting every row is what a search costs at a million photos: not every time.
        state.verified_at = now
        if _stale(state, key):
            _build_soon(state, key, merge=False)


def _stale(state: _State, key: tuple) -> bool:
    """The database was reset under the file (its newest row is older than the stamp), or
    holds rows the file and the delta lack (e.g. a late commit with an older created_at)."""
    embeddings = _embeddings(*key)
    latest = _micros(embeddings.aggregate(latest=Max("created_at"))["latest"])
    if latest < state.stamp:
        return True
    newer = embeddings.filter(created_at__gt=_moment(state.stamp)).count()
    return embeddings.count() - newer > len(state.view)


def _refresh_delta(state: _State, key: tuple) -> None:
    rows = _embeddings(*key).filter(created_at__gt=_moment(state.stamp))
    rows = list(rows.values_list("photo_id", "vector"))
    if not rows:
        state.delta_ids = np.zeros(0, dtype=np.int64)
        state.delta_since = 0.0
        return
    state.delta_ids, state.delta_rows = rows_stacked(rows)
    state.delta_since = state.delta_since or time.monotonic()
    old = time.monotonic() - state.delta_since >= settings.VECTOR_INDEX_MERGE_SECONDS
    if state.view is not None and (len(rows) >= settings.VECTOR_INDEX_MERGE_ROWS or old):
        _build_soon(state, key, merge=True)


def search(
    *,
    owner_id: int,
    photos: QuerySet[Photo],
    vector,
    model_name: str,
    model_version: str,
    limit: int,
    exclude: int | None = None,
) -> list[tuple[int, float]]:
    using, dim = photos.db, len(vector)
    vector = np.asarray(vector, dtype=np.float32)
    bounded = photos.order_by().values_list("pk", flat=True)[: settings.VECTOR_EXACT_BELOW + 1]
    # Counted without fetching: a large library is not read at every search.
    if bounded.count() <= settings.VECTOR_EXACT_BELOW:
        # A selective filter: its photos ranked exactly, read from the database.
        chosen = [pk for pk in bounded if pk != exclude]
        return _rescored(using, chosen, vector, model_name, model_version, limit)
    state = _state(using, owner_id, model_name, model_version, dim)
    view = state.view
    if view is None:
        # Being built: the exact back-end answers meanwhile.
        return exact.search(
            owner_id=owner_id,
            photos=photos,
            vector=vector,
            model_name=model_name,
            model_version=model_version,
            limit=limit,
            exclude=exclude,
        )
    delta_ids, delta_rows = state.delta_ids, state.delta_rows
    superseded = set(delta_ids.tolist())
    if exclude is not None:
        superseded.add(exclude)
    delta = []
    if len(delta_ids):
        scores = delta_rows @ vector
        delta = [(int(pk), float(s)) for pk, s in zip(delta_ids, scores, strict=True)]
    pool = _pool(limit)
    wanted = pool
    found: dict[int, float] = {}
    checked: set[int] = set()
    while True:
        count = min(wanted, len(view))
        view.expansion_search = max(settings.HNSW_EF_SEARCH, count)
        matches = view.search(vector, count, threads=1)
        candidates = [
            (int(pk), 1.0 - float(distance))
            for pk, distance in zip(matches.keys, matches.distances, strict=True)
            if int(pk) not in superseded
        ]
        candidates += [item for item in delta if item[0] != exclude]
        fresh = [pk for pk, _ in candidates if pk not in checked]
        allowed = _allowed(photos, fresh)
        checked.update(fresh)
        found.update((pk, score) for pk, score in candidates if pk in allowed)
        if len(found) >= pool or count >= len(view):
            break
        # The walk cannot resume: the next one is sized by the share of the filters passed
        # so far, so that a filter keeping 14 % of the photos costs two walks, not four.
        share = max(len(found), 1) / len(checked)
        # A filter's photos are fewer, so as many neighbours of them reach further from the
        # query: fewer are gathered (never below VECTOR_SELECTIVE_MIN), in a shorter walk.
        limit = max(min(limit, settings.VECTOR_SELECTIVE_MIN), round(limit * share))
        pool = _pool(limit)
        if len(found) >= pool:
            break
        wanted = max(2 * wanted, int(1.5 * pool / share))
    best = sorted(found.items(), key=lambda item: (-item[1], item[0]))[:pool]
    return _rescored(using, [pk for pk, _ in best], vector, model_name, model_version, limit)


def _pool(limit: int) -> int:
    """How many of the walk's best are re-scored in float32 for the best `limit`: int8 scores
    are off by ~0.005 (a cosine's), as much as the gaps between neighbours of one cluster,
    so a short list needs more than a quarter more."""
    return max(limit + limit // 4 + 1, _RESCORED_MIN)


def _allowed(photos: QuerySet[Photo], ids: list[int]) -> set[int]:
    """Which of `ids` pass the filters of `photos`, in one statement whatever their number
    (SQLite caps the parameters of an IN list)."""
    if not ids:
        return set()
    listed = _listed(photos.db, ids)
    return set(photos.filter(pk__in=listed).values_list("pk", flat=True))


def _listed(using: str, ids: list[int]) -> RawSQL:
    if connections[using].vendor == "sqlite":
        return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(ids)])
    return RawSQL("SELECT unnest(%s::bigint[])", [ids])


def _rescored(
    using: str, ids: list[int], vector: np.ndarray, model_name: str, model_version: str, limit: int
) -> list[tuple[int, float]]:
    """`ids` ranked by their float32 embeddings: the best `limit`, ties by id."""
    if not ids:
        return []
    rows = Embedding.objects.using(using).filter(
        photo_id__in=_listed(using, ids),
        model_name=model_name,
        model_version=model_version,
        dim=len(vector),
    )
    return rows_ranked(list(rows.values_list("photo_id", "vector")), vector, limit)


def state_clear() -> None:
    """Forget this process's mappings (tests; the files stay)."""
    with _lock:
        for state in _states.values():
            if state.worker is not None:
                state.worker.join()
        _states.clear()
