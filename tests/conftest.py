import json
import shutil
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

SHARED_PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos"


@pytest.fixture(scope="session")
def manifest() -> dict:
    """The corpus facts, keyed by path relative to the photos folder."""
    data = json.loads((SHARED_PHOTOS / "manifest.json").read_text())
    return {entry["path"]: entry for entry in data["files"]}


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A private copy of ../shared/photos (without its manifest), safe to change."""
    dest = tmp_path / "library"
    shutil.copytree(
        SHARED_PHOTOS, dest, ignore=shutil.ignore_patterns("manifest.json", "MANIFEST.md")
    )
    return dest


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_user(db):
    return UserFactory(username="bob")


@pytest.fixture
def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client
