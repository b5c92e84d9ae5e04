"""Loaded with `-p` before Django reads its settings: a private data folder per test run.

Tests never write into ../shared or the developer's own data folder.
"""

import os
import tempfile

os.environ["OWNPHOTOS_DATA"] = tempfile.mkdtemp(prefix="ownphotos-test-")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ.pop("OWNPHOTOS_DEBUG", None)
# Tests write embeddings and search at once: the in-process index checks at every search.
os.environ.setdefault("OWNPHOTOS_VECTOR_EXACT_REFRESH", "0")
# Rolled-back tests reuse SQLite's ids: the tag vocabulary is read at every search.
os.environ.setdefault("OWNPHOTOS_SEARCH_VOCABULARY_SECONDS", "0")
