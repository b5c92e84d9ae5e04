"""Nearest embeddings with pgvector: an HNSW (cosine) index per vector size, searched in the
same statement as the photo filters, ordered by distance only so the index drives the scan.
With pgvector >= 0.8 an iterative index scan keeps going until enough rows pass the filters
(settings.HNSW_ITERATIVE_SCAN: "relaxed_order" or "strict_order"). Vectors are halfvec (migration
0052) and what the index finds is re-scored from the float32 bytes, so scores are exact.
When the filters leave few photos (a threshold growing with the square root of the index's size,
see _exact_below()), those are ranked exactly instead (the index is not used then): the count that
decides and both ways are one statement,
so a search is one round trip (its walk settings are kept on the connection in autocommit).
"""

import logging
import math
import time
import weakref

import numpy as np
from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from pgvector import HalfVector

from api.models import Embedding, Photo
from api.search.backends.scoring import rows_ranked

logger = logging.getLogger(__name__)


def pgvector_enabled(using: str = "default") -> bool:
    """The database has the `vec` column the migration adds when pgvector is available."""
    return _kind(connections[using]) is not None


def _kind(connection) -> str | None:
    """The type of `vec`: "halfvec" (since migration 0052), "vector", or None without it."""
    if connection.vendor != "postgresql":
        return None
    cached = getattr(connection, "_ownphotos_vec", "")
    if cached == "":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT udt_name FROM information_schema.columns "
                "WHERE table_name = 'api_embedding' AND column_name = 'vec'"
            )
            row = cursor.fetchone()
        cached = connection._ownphotos_vec = row[0] if row else None
    return cached


# Twice pgvector's default: a better graph (recall at a given ef_search) for ~2x the build
# time, which a scan pays one photo at a time (a few ms beside CLIP's ~70 ms).
EF_CONSTRUCTION = 128


def _iterative(connection) -> bool:
    cached = getattr(connection, "_ownphotos_iterative", None)
    if cached is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
        version = tuple(int(part) for part in row[0].split(".")[:2]) if row else (0, 0)
        cached = version >= (0, 8)
        connection._ownphotos_iterative = cached
    return cached


def index_ensure(*, dim: int, using: str = "default") -> None:
    """An HNSW cosine index over the vectors of size `dim` (a partial expression index, so
    models of different sizes live in one column). Made once, when the first such vector is
    stored; the deferred foreign-key checks of the current transaction run first, since
    PostgreSQL cannot index a table with pending trigger events."""
    kind = _kind(connections[using])
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [f"embedding_hnsw_{dim:d}"])
        if cursor.fetchone() is not None:
            return
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS embedding_hnsw_{dim:d} ON api_embedding "
            f"USING hnsw ((vec::{kind}({dim:d})) {kind}_cosine_ops) "
            f"WITH (m = 16, ef_construction = {EF_CONSTRUCTION:d}) WHERE dim = {dim:d}"
        )


def vector_store(*, embedding: Embedding, using: str = "default") -> None:
    """Copy an embedding's float32 bytes into its `vec` column (halfvec: see migration 0052)."""
    array = np.frombuffer(bytes(embedding.vector), dtype=np.float32)
    index_ensure(dim=len(array), using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"UPDATE api_embedding SET vec = %s::{_kind(connections[using])} WHERE id = %s",
            [HalfVector(array).to_text(), embedding.pk],
        )


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
    dim = len(vector)
    vector = np.asarray(vector, dtype=np.float32)
    query = HalfVector(vector).to_text()
    connection = connections[photos.db]
    kind = _kind(connection)
    # Compiled for the database it runs on (sql_with_params() compiles for the default one).
    subquery, params = photos.order_by().values("pk").query.get_compiler(photos.db).as_sql()
    where = f"e.dim = {dim:d} AND e.model_name = %s AND e.model_version = %s" + (
        " AND e.photo_id <> %s" if exclude is not None else ""
    )
    model = [model_name, model_version, *([exclude] if exclude is not None else [])]
    # One statement, one round trip: the filtered photos counted up to a threshold, and of
    # the two branches below only the one the count picks runs (each is gated by a one-time
    # filter). Past the threshold the index drives the scan, ordered by distance only, the
    # filters checked on what it finds.
    below = _exact_below(connection, limit)
    sql = (
        f"WITH bounded AS MATERIALIZED (SELECT f.id FROM ({subquery}) AS f (id) "
        f"LIMIT {below + 1:d}) "
        f"(SELECT e.photo_id, e.vector, e.vec <=> %s::{kind} AS distance FROM api_embedding e "
        f"WHERE (SELECT count(*) FROM bounded) <= {below:d} AND {where} "
        "AND e.photo_id IN (SELECT id FROM bounded) ORDER BY distance LIMIT %s) "
        "UNION ALL "
        f"(SELECT e.photo_id, e.vector, e.vec::{kind}({dim:d}) <=> %s::{kind}({dim:d}) AS distance "
        f"FROM api_embedding e WHERE (SELECT count(*) FROM bounded) > {below:d} AND {where} "
        f"AND e.photo_id IN ({subquery}) ORDER BY distance LIMIT %s)"
    )
    arguments = [*params, query, *model, limit, query, *model, *params, limit]
    with connection.cursor() as cursor:
        _walk_settings(connection, cursor, max(settings.HNSW_EF_SEARCH, limit))
        cursor.execute(sql, arguments)
        rows = cursor.fetchall()
    # Re-scored from the float32 bytes: exact scores (those of the other back-ends) whatever
    # half precision rounded, and the order a relaxed walk may have left loose put right.
    return rows_ranked(rows, vector)


# How long the index's size (the planner's row estimate) is taken as known.
_SIZE_SECONDS = 600.0


def _exact_below(connection, limit: int) -> int:
    """How many filtered photos at most are ranked exactly. Ranking n rows exactly costs ~n;
    the walk visits ~limit * N / n vectors (N in the index) to find `limit` that pass the
    filter, each dearer: so exact up to n = sqrt(VECTOR_EXACT_RATIO * limit * N), and never
    below VECTOR_EXACT_BELOW. N is read every _SIZE_SECONDS (one round trip)."""
    size, read = getattr(connection, "_ownphotos_size", (0.0, -_SIZE_SECONDS))
    if time.monotonic() - read >= _SIZE_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT greatest(reltuples, 0) FROM pg_class WHERE oid = 'api_embedding'::regclass"
            )
            size = float(cursor.fetchone()[0])
        connection._ownphotos_size = (size, time.monotonic())
    scaled = int(math.sqrt(settings.VECTOR_EXACT_RATIO * limit * size))
    return max(settings.VECTOR_EXACT_BELOW, scaled)


# The walk's settings as last set on each database connection (session-wide), so a search
# in autocommit costs no round trip for them.
_applied: "weakref.WeakKeyDictionary[object, tuple]" = weakref.WeakKeyDictionary()


def _walk_settings(connection, cursor, ef_search: int) -> None:
    """hnsw.ef_search and (pgvector >= 0.8) hnsw.iterative_scan for this search: inside a
    transaction local to it (a rollback would undo a session setting unseen), in autocommit
    once per connection."""
    mode = settings.HNSW_ITERATIVE_SCAN if _iterative(connection) else ""
    wanted = (ef_search, mode)
    local = connection.in_atomic_block
    if not local and _applied.get(connection.connection) == wanted:
        return
    cursor.execute(
        "SELECT set_config('hnsw.ef_search', %s, %s)"
        + (", set_config('hnsw.iterative_scan', %s, %s)" if mode else ""),
        [str(ef_search), local, *([mode, local] if mode else [])],
    )
    if not local:
        _applied[connection.connection] = wanted
