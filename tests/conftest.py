import json
import shutil
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import PhotoFactory, UserFactory

pytest_plugins = ["tests.geocoders"]

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


@pytest.fixture
def manifest_photos(user, manifest) -> dict:
    """One Photo row per corpus file with the manifest's GPS facts, keyed by path.

    Stands in for a scan where the ingest pipeline is not under test. Files with the same
    bytes share one Photo, as they do after a scan.
    """
    photos, by_hash = {}, {}
    for path, entry in manifest.items():
        gps = (entry.get("exif") or {}).get("gps") or {}
        if entry["sha256"] in by_hash:
            photos[path] = by_hash[entry["sha256"]]
            continue
        photos[path] = by_hash[entry["sha256"]] = PhotoFactory(
            owner=user,
            content_hash=entry["sha256"],
            mime=entry.get("mime") or "",
            gps_lat=gps.get("lat"),
            gps_lon=gps.get("lon"),
            gps_alt=gps.get("alt_m"),
        )
    return photos
