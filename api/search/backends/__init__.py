"""Nearest embeddings: one interface, two back-ends chosen by settings.VECTOR_BACKEND.

"pgvector": an HNSW index queried in the same SQL as the photo filters (PostgreSQL with the
extension); "embedded": a usearch HNSW index in the data folder, memory-mapped and shared by
every process (SQLite); "exact": a cached, normalised matrix per (owner, model) in this
process, exact by construction. "auto" (the default) takes pgvector when the database has it,
else the embedded index.
"""

from django.conf import settings
from django.db.models import QuerySet

from api.models import Embedding, Photo
from api.search.backends import embedded, exact, pgvector


def backend_name(using: str = "default") -> str:
    choice = settings.VECTOR_BACKEND
    if choice == "auto":
        return "pgvector" if pgvector.pgvector_enabled(using) else "embedded"
    return choice


def vector_search(
    *,
    owner_id: int,
    photos: QuerySet[Photo],
    vector,
    model_name: str,
    model_version: str,
    limit: int,
    exclude: int | None = None,
) -> list[tuple[int, float]]:
    """The `limit` photos of `photos` (`owner_id`'s, filtered) whose embedding by
    (model_name, model_version) is closest to the normalised `vector`: [(photo id, cosine)],
    best first, ties by id."""
    backends = {"pgvector": pgvector, "embedded": embedded, "exact": exact}
    backend = backends[backend_name(photos.db)]
    return backend.search(
        owner_id=owner_id,
        photos=photos,
        vector=vector,
        model_name=model_name,
        model_version=model_version,
        limit=limit,
        exclude=exclude,
    )


def embedding_saved(*, embedding: Embedding, using: str = "default") -> None:
    """Keep the back-end's copy in step after an embedding was written."""
    if pgvector.pgvector_enabled(using):
        pgvector.vector_store(embedding=embedding, using=using)
