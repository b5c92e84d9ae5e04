"""Schemathesis over every operation of /api/schema/, with a real token, against a live server.

Run once by `make test-schema` (`pytest -m schemathesis`), not per database: what it finds (a
5xx, a response that does not match the schema) does not depend on the database. Bounded by
FUZZ_SECONDS; the seed is fixed so that a failure reproduces.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from api.ingest.scan import library_scan
from tests.conftest import SHARED_PHOTOS
from tests.factories import UserFactory

FUZZ_SECONDS = int(os.environ.get("OWNPHOTOS_FUZZ_SECONDS", "120"))
PASSWORD = "correct horse battery staple"


@pytest.mark.schemathesis
def test_no_operation_answers_5xx_or_off_schema(live_server, tmp_path: Path):
    root = tmp_path / "library"
    root.mkdir()
    for name in ("Canon_40D.jpg", "Nikon_D70.jpg"):
        shutil.copy(SHARED_PHOTOS / "exif" / name, root / name)
    # Not staff: a fuzzed PATCH of /api/users/{id}/ would otherwise change the caller's own
    # password and end the token half-way through.
    owner = UserFactory(username="fuzzer")
    library_scan(user=owner, path=root)
    token = APIClient().post(
        f"{live_server.url}/api/auth/token/", {"username": "fuzzer", "password": PASSWORD}
    )
    assert token.status_code == 200, token.content
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Bearer {token.json()['access']}",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--max-time",
        str(FUZZ_SECONDS),
        "--workers",
        "1",
        "--seed",
        "1",
        "--request-timeout",
        "30",
        "--no-color",
    ]
    done = subprocess.run(
        command,
        cwd=tmp_path,  # its cache folder (.schemathesis) goes there
        capture_output=True,
        text=True,
        timeout=FUZZ_SECONDS + 120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-20000:] + done.stderr[-5000:]
