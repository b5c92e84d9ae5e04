"""Exact nearest neighbours in process: per (database, owner, model, version) a cached matrix
of normalised float32 rows, refreshed incrementally from the rows written since the newest
one seen (and in full when rows were deleted, or every FULL_REFRESH_SECONDS, which also
catches a row whose transaction committed after a newer one had been read).

The database is asked for changes at most every settings.VECTOR_EXACT_REFRESH_SECONDS: the
count that detects deletions reads every row of the owner's, which at a million photos
costs more than the search. A row of a deleted photo that is still cached is harmless: every
answer is checked against the caller's photo filters.
"""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import QuerySet

from api.models import Embedding, Photo
from api.search.backends.scoring import rows_stacked

# How many more candidates than asked for are checked against the filters at first.
_OVERSAMPLE = 8
FULL_REFRESH_SECONDS = 600


@dataclass
class _Matrix:
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    stamp: object = None
    loaded_at: float = 0.0
    checked_at: float = float("-inf")


_cache: dict[tuple, _Matrix] = {}
_lock = threading.Lock()


def _matrix(using: str, owner_id: int, model_name: str, model_version: str) -> _Matrix:
    key = (using, owner_id, model_name, model_version)
    embeddings = Embedding.objects.using(using).filter(
        photo__owner_id=owner_id, model_name=model_name, model_version=model_version
    )
    with _lock:
        matrix = _cache.get(key) or _Matrix()
        now = time.monotonic()
        if now - matrix.checked_at < settings.VECTOR_EXACT_REFRESH_SECONDS:
            return matrix
        if now - matrix.loaded_at > FULL_REFRESH_SECONDS:
            matrix = _Matrix()
        changed = (
            embeddings if matrix.stamp is None else embeddings.filter(created_at__gt=matrix.stamp)
        )
        rows = list(changed.values_list("photo_id", "vector", "created_at"))
        if rows:
            loaded_at = matrix.loaded_at or time.monotonic()
            matrix = _merge(matrix, rows)
            matrix.loaded_at = loaded_at
        if embeddings.count() != len(matrix.ids):
            # Rows were deleted: start again from the table.
            everything = list(embeddings.values_list("photo_id", "vector", "created_at"))
            matrix = _merge(_Matrix(), everything) if everything else _Matrix()
            matrix.loaded_at = time.monotonic()
        matrix.checked_at = now
        _cache[key] = matrix
        return matrix


def _merge(matrix: _Matrix, rows: list) -> _Matrix:
    ids, vectors = rows_stacked(rows)
    stamp = max(row[2] for row in rows)
    if matrix.stamp is not None and stamp < matrix.stamp:
        stamp = matrix.stamp
    if len(matrix.ids):
        keep = ~np.isin(matrix.ids, ids)
        ids = np.concatenate([matrix.ids[keep], ids])
        vectors = np.concatenate([matrix.rows[keep], vectors])
    order = np.argsort(ids, kind="stable")
    return _Matrix(ids=ids[order], rows=np.ascontiguousarray(vectors[order]), stamp=stamp)


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
    matrix = _matrix(photos.db, owner_id, model_name, model_version)
    if not len(matrix.ids) or matrix.rows.shape[1] != len(vector):
        return []
    scores = matrix.rows @ np.asarray(vector, dtype=np.float32)
    if exclude is not None:
        scores[matrix.ids == exclude] = -np.inf
    bounded = photos.order_by().values_list("pk", flat=True)[: settings.VECTOR_EXACT_BELOW + 1]
    if bounded.count() <= settings.VECTOR_EXACT_BELOW:
        # A selective filter: score only its photos, rather than checking ever longer lists
        # of the best-scoring ones against it.
        scores[~np.isin(matrix.ids, np.fromiter(bounded, dtype=np.int64))] = -np.inf
        chosen = _best(scores, limit)
        return [(int(matrix.ids[i]), float(scores[i])) for i in chosen if np.isfinite(scores[i])]
    wanted = limit * _OVERSAMPLE
    start = 0
    found: list[tuple[int, float]] = []
    while start < len(scores) and len(found) < limit:
        chunk = _best(scores, start + wanted)[start:]
        chunk = chunk[np.isfinite(scores[chunk])]
        candidates = matrix.ids[chunk].tolist()
        allowed = set(photos.filter(pk__in=candidates).values_list("pk", flat=True))
        found += [
            (int(matrix.ids[i]), float(scores[i])) for i in chunk if int(matrix.ids[i]) in allowed
        ]
        start += wanted
        wanted *= 4
    return found[:limit]


def _best(scores: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` best scores, best first, ties by id (ids are sorted, so ties
    keep index order). Selecting before sorting keeps a million rows at one linear pass."""
    if count >= len(scores):
        return np.argsort(-scores, kind="stable")
    # Everything scoring at least the count-th best score, so ties at the cut stay complete.
    threshold = np.partition(scores, len(scores) - count)[len(scores) - count]
    selected = np.flatnonzero(scores >= threshold)
    return selected[np.argsort(-scores[selected], kind="stable")][:count]


def cache_drop(using: str, owner_id: int, model_name: str, model_version: str) -> None:
    """Let go of one matrix (the embedded index took over from it)."""
    with _lock:
        _cache.pop((using, owner_id, model_name, model_version), None)


def cache_clear() -> None:
    with _lock:
        _cache.clear()
