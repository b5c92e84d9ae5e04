import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from api.ingest.scan import library_scan
from api.models import File, User
from api.services.users import user_create_or_update
from tests.conftest import SHARED_PHOTOS

MANIFEST = json.loads((SHARED_PHOTOS / "manifest.json").read_text())["files"]


@dataclass
class Scanned:
    user: User
    root: Path
    counts: dict
    # (relative path, size, mtime_ns) of every file in the library before the scan.
    before: set

    def file(self, relative: str) -> File:
        return File.objects.select_related("photo").get(
            owner=self.user, path=str(self.root / relative)
        )


def tree_state(root: Path) -> set:
    return {
        (str(path.relative_to(root)), path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
    }


@pytest.fixture(scope="package")
def scanned_corpus(django_db_setup, django_db_blocker, tmp_path_factory) -> Scanned:
    """The whole corpus, copied and scanned once for tests/ingest/ (committed, and deleted
    when the package's tests are done, so no other test sees it)."""
    root = tmp_path_factory.mktemp("corpus") / "library"
    shutil.copytree(
        SHARED_PHOTOS, root, ignore=shutil.ignore_patterns("manifest.json", "MANIFEST.md")
    )
    before = tree_state(root)
    with django_db_blocker.unblock():
        user = user_create_or_update(username="corpus", libraries=[root])
        counts = library_scan(user=user)
        yield Scanned(user, root, counts, before)
        user.delete()
