"""Model downloads against a loopback file server: verified, atomic, resumable by rerun."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from api.exceptions import ChecksumMismatch, DownloadFailed
from api.ml.downloads import model_download, model_verify
from api.ml.registry import REGISTRY, ModelFile, ModelSpec

# Not database-specific: run in the PostgreSQL run only.
pytestmark = pytest.mark.once

WEIGHTS = bytes(range(256)) * 4096  # 1 MiB
LABELS = b"/a/abbey 0\n/a/airfield 1\n"


def _spec(server, *, sha256: str | None, name: str = "tiny") -> ModelSpec:
    return ModelSpec(
        name=name,
        version="1",
        files=(
            ModelFile(f"{server.url}/weights.bin", "weights.bin", sha256),
            ModelFile(f"{server.url}/labels.txt", "labels.txt", hashlib.sha256(LABELS).hexdigest()),
        ),
    )


@pytest.fixture(autouse=True)
def _models_dir(settings, tmp_path):
    """An empty models folder per test."""
    settings.MODELS_DIR = tmp_path / "models"
    settings.MODELS_BASE_URL = ""


def _leftovers(spec: ModelSpec) -> list[str]:
    return sorted(path.name for path in spec.folder.iterdir()) if spec.folder.exists() else []


def test_download_puts_verified_files_in_place(file_server):
    file_server.files.update({"/weights.bin": WEIGHTS, "/labels.txt": LABELS})
    spec = _spec(file_server, sha256=hashlib.sha256(WEIGHTS).hexdigest())
    progress = io.StringIO()
    fetched = model_download(spec=spec, progress=progress)
    assert [path.name for path in fetched] == ["weights.bin", "labels.txt"]
    assert spec.path("weights.bin").read_bytes() == WEIGHTS
    assert spec.installed()
    assert model_verify(spec=spec) == {"weights.bin": "ok", "labels.txt": "ok"}
    assert "weights.bin" in progress.getvalue()
    assert _leftovers(spec) == ["labels.txt", "weights.bin"]


def test_rerun_fetches_nothing_already_installed(file_server):
    file_server.files.update({"/weights.bin": WEIGHTS, "/labels.txt": LABELS})
    spec = _spec(file_server, sha256=hashlib.sha256(WEIGHTS).hexdigest())
    model_download(spec=spec)
    file_server.requests.clear()
    assert model_download(spec=spec) == []
    assert file_server.requests == []


def test_a_wrong_checksum_leaves_no_file(file_server):
    file_server.files.update({"/weights.bin": WEIGHTS, "/labels.txt": LABELS})
    spec = _spec(file_server, sha256=hashlib.sha256(b"other bytes").hexdigest())
    with pytest.raises(ChecksumMismatch, match="sha256"):
        model_download(spec=spec)
    assert _leftovers(spec) == []
    assert not spec.installed()


def test_an_interrupted_download_leaves_no_file(file_server):
    file_server.files.update({"/weights.bin": WEIGHTS, "/labels.txt": LABELS})
    file_server.cut.add("/weights.bin")
    spec = _spec(file_server, sha256=None)
    with pytest.raises(DownloadFailed):
        model_download(spec=spec)
    assert _leftovers(spec) == []


def test_a_missing_file_on_the_server_is_a_clear_failure(file_server):
    spec = _spec(file_server, sha256=None)
    with pytest.raises(DownloadFailed, match="404"):
        model_download(spec=spec)
    assert _leftovers(spec) == []


def test_an_unpinned_file_records_its_digest_and_is_checked_against_it(file_server):
    file_server.files.update({"/weights.bin": WEIGHTS, "/labels.txt": LABELS})
    spec = _spec(file_server, sha256=None)
    model_download(spec=spec)
    recorded = spec.path("weights.bin.sha256").read_text().strip()
    assert recorded == hashlib.sha256(WEIGHTS).hexdigest()
    assert model_verify(spec=spec)["weights.bin"] == "ok"
    spec.path("weights.bin").write_bytes(WEIGHTS[:-1] + b"\x00")
    assert model_verify(spec=spec)["weights.bin"] == "corrupt"


def test_command_downloads_a_registry_model_from_a_mirror_and_lists_it(settings, file_server):
    spec = REGISTRY["places365"]
    for item in spec.files:
        file_server.files[f"/places365/{item.filename}"] = item.filename.encode() * 100
    settings.MODELS_BASE_URL = file_server.url
    out = io.StringIO()
    call_command("download_models", "--list", "places365", stdout=out)
    assert "not installed" in out.getvalue()
    call_command("download_models", "places365", stdout=io.StringIO(), stderr=io.StringIO())
    out = io.StringIO()
    call_command("download_models", "--list", "places365", stdout=out)
    line = out.getvalue()
    assert "\tinstalled\t" in line
    assert "missing" not in line


def test_command_fails_with_a_one_line_reason(settings, file_server):
    settings.MODELS_BASE_URL = file_server.url
    with pytest.raises(CommandError, match="404"):
        call_command("download_models", "clip", stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="unknown model"):
        call_command("download_models", "nope")


def test_the_clip_checkpoint_must_match_openais_published_digest(settings, file_server):
    spec = REGISTRY["clip"]
    [item] = spec.files
    assert item.sha256 in item.url  # OpenAI names the folder of each checkpoint by its sha256
    file_server.files[f"/clip/{item.filename}"] = b"anything but the published weights"
    settings.MODELS_BASE_URL = file_server.url
    with pytest.raises(ChecksumMismatch, match=item.sha256):
        model_download(spec=spec)
    assert _leftovers(spec) == []
