"""Exact nearest neighbours in process: per (database, owner, model, version) a cached matrix
of normalised float32 rows, refreshed incrementally from the rows written since the newest
one seen (and in full when rows were deleted, or every FULL_REFRESH_SECONDS, which also
catches a row whose transaction committed after a newer one had been read)."""

import threading
import time
from dataclasses import dataclass, field

import numpy as np
from django.db.models import QuerySet

from api.models import Embedding, Photo

# How many more candidates than asked for are checked against the filters at first.
_OVERSAMPLE = 8
FULL_REFRESH_SECONDS = 600


@dataclass
class _Matrix:
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    rows: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    stamp: object = None
    loaded_at: float = 0.0


_cache: dict[tuple, _Matrix] = {}
_lock = threading.Lock()


def _matrix(using: str, owner_id: int, model_name: str, model_version: str) -> _Matrix:
    key = (using, owner_id, model_name, model_version)
    embeddings = Embedding.objects.using(using).filter(
        photo__owner_id=owner_id, model_name=model_name, model_version=model_version
    )
    with _lock:
        matrix = _cache.get(key) or _Matrix()
        if time.monotonic() - matrix.loaded_at > FULL_REFRESH_SECONDS:
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
        _cache[key] = matrix
        return matrix


def _merge(matrix: _Matrix, rows: list) -> _Matrix:
    ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
    vectors = np.stack([np.frombuffer(bytes(row[1]), dtype=np.float32) for row in rows])
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
    # Best first, ties by id: ids are sorted, so a stable sort on -score keeps id order.
    order = np.argsort(-scores, kind="stable")
    order = order[np.isfinite(scores[order])]
    wanted = limit * _OVERSAMPLE
    start = 0
    found: list[tuple[int, float]] = []
    while start < len(order) and len(found) < limit:
        chunk = order[start : start + wanted]
        candidates = matrix.ids[chunk].tolist()
        allowed = set(photos.filter(pk__in=candidates).values_list("pk", flat=True))
        found += [
            (int(matrix.ids[i]), float(scores[i])) for i in chunk if int(matrix.ids[i]) in allowed
        ]
        start += wanted
        wanted *= 4
    return found[:limit]


def cache_clear() -> None:
    with _lock:
        _cache.clear()
