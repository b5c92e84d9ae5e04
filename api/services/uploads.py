"""Uploads: a streamed temporary file becomes a file in the user's upload folder and a photo."""

import logging
import warnings
from pathlib import Path

from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.utils.text import get_valid_filename
from PIL import Image

from api.exceptions import ImageTooLarge
from api.ingest.hashing import hash_path
from api.ingest.pipeline import file_register
from api.ingest.sniffing import HEADER_BYTES, Sniffed, sniff_bytes
from api.models import Job, Photo, User
from api.services.jobs import job_create, job_enqueue

logger = logging.getLogger(__name__)


def photo_upload(*, owner: User, upload: TemporaryUploadedFile) -> tuple[Photo, Job | None]:
    """Keep an uploaded image or video for `owner`; returns its photo and the processing job.

    The type is read from the bytes. Non-media raise NotAnImage and images whose header
    promises more pixels than Pillow's MAX_IMAGE_PIXELS raise ImageTooLarge; nothing is kept
    then. Bytes the owner already has give the existing photo and no job (the temporary file
    is dropped). Otherwise the file moves to the owner's upload folder, File and Photo are
    created at once and metadata and thumbnails follow in the background job.
    """
    temp = Path(upload.temporary_file_path())
    suffix = Path(upload.name or "").suffix
    with temp.open("rb") as fh:
        sniffed = sniff_bytes(fh.read(HEADER_BYTES), suffix=suffix)
    if sniffed.kind == "image":
        _refuse_bombs(temp)
    digest = hash_path(temp)
    existing = Photo.objects.for_user(owner).filter(content_hash=digest).first()
    if existing is not None:
        temp.unlink(missing_ok=True)
        return existing, None
    dest = _destination(owner=owner, name=upload.name or "", digest=digest, sniffed=sniffed)
    file_move_safe(str(temp), str(dest), allow_overwrite=False)
    try:
        file = file_register(owner=owner, path=dest, uploaded=True)
    except Exception:
        dest.unlink(missing_ok=True)
        raise
    job = job_create(
        owner=owner, kind=Job.Kind.UPLOAD, params={"file_id": file.pk, "name": upload.name}
    )
    job_enqueue(job=job)
    logger.info("upload %s stored as %s (photo %s)", upload.name, dest, file.photo_id)
    return file.photo, job


def _refuse_bombs(path: Path) -> None:
    """Pillow reads the size from the header: a bomb is refused before any pixel is decoded."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            Image.open(path).close()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
            raise ImageTooLarge(f"the image is too large to decode safely ({exc})") from exc
        except (OSError, ValueError, SyntaxError):
            # Unreadable pixels are the metadata step's to record, like any broken file.
            return


def _destination(*, owner: User, name: str, digest: str, sniffed: Sniffed) -> Path:
    """A new path in the owner's upload folder keeping the uploaded name when it is free."""
    folder = owner.upload_dir
    folder.mkdir(parents=True, exist_ok=True)
    stem = get_valid_filename(Path(name).stem) or digest[:16]
    suffix = Path(name).suffix.lower() or "." + sniffed.mime.rsplit("/", 1)[-1]
    suffix = get_valid_filename(suffix) if suffix != "." else ""
    dest = folder / f"{stem}{suffix}"
    if dest.exists():
        dest = folder / f"{stem}-{digest[:12]}{suffix}"
    return dest
