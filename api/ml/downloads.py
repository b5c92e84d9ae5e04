"""Fetching model weights: streamed to a temporary file in the model's folder, checked
against the registry's sha256, then renamed into place. A complete file is only ever seen
under its real name; an interrupted or corrupt download leaves nothing behind."""

import hashlib
import logging
import os
import urllib.error
import urllib.request
from http.client import HTTPException
from pathlib import Path
from typing import IO

from tqdm import tqdm

from api.exceptions import ChecksumMismatch, DownloadFailed
from api.ml.registry import ModelFile, ModelSpec

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
TIMEOUT_SECONDS = 60
# Beside a file whose registry digest is unknown: the digest computed when it was fetched.
RECORDED_SUFFIX = ".sha256"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def expected_digest(spec: ModelSpec, item: ModelFile) -> str | None:
    """The registry's digest, else the one recorded when the file was fetched."""
    if item.sha256:
        return item.sha256
    recorded = spec.path(item.filename + RECORDED_SUFFIX)
    return recorded.read_text().strip() if recorded.exists() else None


def model_verify(*, spec: ModelSpec) -> dict[str, str]:
    """Per file: "ok", "missing", "corrupt" (digest differs) or "unpinned" (no digest known)."""
    states = {}
    for item in spec.files:
        path = spec.path(item.filename)
        expected = expected_digest(spec, item)
        if not path.is_file():
            states[item.filename] = "missing"
        elif expected is None:
            states[item.filename] = "unpinned"
        else:
            states[item.filename] = "ok" if sha256_of(path) == expected else "corrupt"
    return states


def model_download(
    *, spec: ModelSpec, force: bool = False, progress: IO | None = None
) -> list[Path]:
    """Fetch every file of `spec` that is not in place yet (all of them with `force`).

    Raises DownloadFailed (network error, short read) or ChecksumMismatch; files already
    completed stay, the failed one leaves no trace.
    """
    spec.folder.mkdir(parents=True, exist_ok=True)
    fetched = []
    for item in spec.files:
        path = spec.path(item.filename)
        if path.is_file() and not force:
            continue
        _fetch(spec.url(item), path, item.sha256, progress)
        fetched.append(path)
    return fetched


def _fetch(url: str, path: Path, sha256: str | None, progress: IO | None) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    try:
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
                total = int(response.headers.get("Content-Length") or 0) or None
                received = 0
                with (
                    tmp.open("wb") as out,
                    tqdm(
                        total=total,
                        unit="B",
                        unit_scale=True,
                        desc=path.name,
                        file=progress,
                        disable=progress is None,
                    ) as bar,
                ):
                    while chunk := response.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
        except (urllib.error.URLError, HTTPException, OSError) as exc:
            raise DownloadFailed(f"cannot download {url}: {exc}") from exc
        if total is not None and received != total:
            raise DownloadFailed(f"download of {url} stopped at {received} of {total} bytes")
        actual = digest.hexdigest()
        if sha256 and actual != sha256:
            raise ChecksumMismatch(f"{url}: sha256 is {actual}, expected {sha256}")
        if not sha256:
            logger.warning("%s has no pinned sha256; recording %s", path.name, actual)
            path.with_name(path.name + RECORDED_SUFFIX).write_text(actual + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
