"""Uploads: a streamed temporary file becomes a file in the user's upload folder and a photo."""

import logging
from pathlib import Path

from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.db import transaction
from django.utils.text import get_valid_filename

from api.exceptions import OwnPhotosError
from api.ingest import thumbnails
from api.ingest.confinement import message_shown
from api.ingest.hashing import hash_path
from api.ingest.pipeline import file_extract, file_register
from api.ingest.probing import media_probe
from api.ingest.sniffing import HEADER_BYTES, Sniffed, sniff_bytes
from api.models import File, Job, Photo, User
from api.services.jobs import job_create, job_enqueue

logger = logging.getLogger(__name__)


def photo_upload(*, owner: User, upload: TemporaryUploadedFile) -> tuple[Photo, Job | None]:
    """Keep an uploaded image or video for `owner`; returns its photo and the processing job.

    The type is read from the bytes and proved by a real parse (media_probe): non-media and
    files that only start like media raise NotAnImage, anything past settings.MAX_PIXELS
    (RAW and TIFF included) raises ImageTooLarge; nothing is kept then. Bytes the owner
    already has give the existing photo and no job (the temporary file is dropped).
    Otherwise the file moves to the owner's upload folder, File and Photo are created at once
    and metadata and thumbnails follow in the background job (upload_process).
    """
    temp = Path(upload.temporary_file_path())
    suffix = Path(upload.name or "").suffix
    with temp.open("rb") as fh:
        sniffed = sniff_bytes(fh.read(HEADER_BYTES), suffix=suffix)
    media_probe(temp, sniffed)
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


def upload_process(*, file: File) -> str:
    """Metadata and thumbnails of an uploaded file; "" when done, else the reason it failed.

    An upload whose pixels turn out not to decode is not kept: its file, its File and (when no
    other file shares it) its Photo and thumbnails are deleted.
    """
    try:
        file_extract(file=file)
    except OwnPhotosError as exc:
        logger.info("upload %s discarded: %s", file.path, exc.detail)
        _upload_discard(file=file)
        return message_shown(text=exc.detail, roots=[file.owner.upload_dir.resolve()])
    return ""


def _upload_discard(*, file: File) -> None:
    photo = file.photo
    Path(file.path).unlink(missing_ok=True)
    with transaction.atomic():
        file.delete()
        if photo is not None and not photo.files.exists():
            for size in ("small", "big"):
                thumbnails.thumbnail_path(photo=photo, size=size).unlink(missing_ok=True)
            photo.delete()


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
