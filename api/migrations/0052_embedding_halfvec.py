"""On PostgreSQL with pgvector: `vec` becomes `halfvec` stored PLAIN (1 kB a 512-d row, in
the heap page, where a float32 `vector` of 2 kB went to TOAST, one more fetch a row), and the
HNSW indexes are made again over it with halfvec_cosine_ops. Exact scores still come from the
float32 `vector` bytes (api/search/backends/pgvector.py re-scores what the index found). On
SQLite and on PostgreSQL without pgvector this does nothing."""

from django.db import migrations


def _has_vec(cursor) -> bool:
    cursor.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'api_embedding' AND column_name = 'vec'"
    )
    return cursor.fetchone() is not None


def _retype(schema_editor, kind: str, ops: str, storage: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        if not _has_vec(cursor):
            return
        cursor.execute(
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename = 'api_embedding' AND indexname LIKE 'embedding_hnsw_%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(f"ALTER TABLE api_embedding ALTER COLUMN vec TYPE {kind} USING vec::{kind}")
        cursor.execute(f"ALTER TABLE api_embedding ALTER COLUMN vec SET STORAGE {storage}")
        cursor.execute("SELECT DISTINCT dim FROM api_embedding WHERE vec IS NOT NULL")
        for (dim,) in cursor.fetchall():
            cursor.execute(
                f"CREATE INDEX embedding_hnsw_{dim:d} ON api_embedding "
                f"USING hnsw ((vec::{kind}({dim:d})) {ops}) "
                f"WITH (m = 16, ef_construction = 128) WHERE dim = {dim:d}"
            )


def halfvec(apps, schema_editor):
    _retype(schema_editor, "halfvec", "halfvec_cosine_ops", "PLAIN")


def vector(apps, schema_editor):
    _retype(schema_editor, "vector", "vector_cosine_ops", "EXTENDED")


class Migration(migrations.Migration):
    # The index builds cannot run inside the migration's transaction with pending triggers.
    atomic = False

    dependencies = [
        ("api", "0051_embedding_created"),
    ]

    operations = [
        migrations.RunPython(halfvec, vector, elidable=False),
    ]
