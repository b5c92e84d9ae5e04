"""On PostgreSQL with the pgvector extension available: enable it and add `vec vector` to
api_embedding (HNSW indexes per dimension are made by api/search/backends/pgvector.py when
the first vector of that size is stored). On SQLite and on PostgreSQL without pgvector this
does nothing, and search uses the exact in-process back-end."""

import logging

from django.db import migrations

logger = logging.getLogger(__name__)


def pgvector_enable(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        if cursor.fetchone() is None:
            logger.info("pgvector is not available: vectors are searched in process")
            return
        cursor.execute("CREATE EXTENSION IF NOT EXISTS vector")
        cursor.execute("ALTER TABLE api_embedding ADD COLUMN IF NOT EXISTS vec vector")


def pgvector_disable(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE api_embedding DROP COLUMN IF EXISTS vec")


class Migration(migrations.Migration):

    dependencies = [
        ("api", "0008_tags_embeddings"),
    ]

    operations = [
        migrations.RunPython(pgvector_enable, pgvector_disable, elidable=False),
    ]
