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


@pytest.fixture(scope="session")
def faces_folder(tmp_path_factory) -> Path:
    """A private copy of ../shared/photos/faces, made once per test session."""
    dest = tmp_path_factory.mktemp("faces") / "faces"
    shutil.copytree(SHARED_PHOTOS / "faces", dest)
    return dest


@pytest.fixture(scope="session")
def face_detections(faces_folder, manifest) -> dict:
    """What the detector finds in each face photo, keyed by manifest path.

    Detection takes most of a second a photo, so it runs once per session; tests store these
    results through the same service the pipeline uses.
    """
    from api.ml import faces

    found = {}
    for path in manifest:
        if path.startswith("faces/"):
            image, size = faces.load_display_image(faces_folder.parent / path)
            found[path] = faces.detect_faces(image, display_size=size)
    return found
