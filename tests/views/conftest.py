import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from api.ingest.scan import library_scan
from api.models import User
from tests.conftest import SHARED_PHOTOS
from tests.factories import UserFactory


@dataclass
class Scanned:
    owner: User
    root: Path
    counts: dict


@pytest.fixture(scope="module")
def scanned(django_db_setup, django_db_blocker, tmp_path_factory) -> Scanned:
    """The shared corpus copied and scanned once per module for user "scanned", then removed.

    Scanning takes seconds, so the rows outlive single tests; tests must not change them.
    """
    root = tmp_path_factory.mktemp("scanned") / "library"
    shutil.copytree(
        SHARED_PHOTOS, root, ignore=shutil.ignore_patterns("manifest.json", "MANIFEST.md")
    )
    with django_db_blocker.unblock():
        owner = UserFactory(username="scanned")
        counts = library_scan(user=owner, path=root)
    yield Scanned(owner=owner, root=root, counts=counts)
    with django_db_blocker.unblock():
        owner.delete()
    shutil.rmtree(Path(settings.THUMBNAIL_DIR) / str(owner.pk), ignore_errors=True)


@pytest.fixture
def scanned_api(db, scanned: Scanned) -> APIClient:
    client = APIClient()
    client.force_authenticate(scanned.owner)
    return client
