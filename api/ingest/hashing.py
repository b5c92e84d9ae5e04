"""Content hashes: the identity of a photo, whatever its path."""

import hashlib
from pathlib import Path

ALGORITHM = "sha256"


def hash_path(path: Path) -> str:
    """SHA-256 hex digest of the file's bytes, read in chunks so a 4 GB video costs no memory."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, ALGORITHM).hexdigest()
