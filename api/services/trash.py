"""Emptying the trash. Moving a photo in and out of it is `photo_update(in_trash=...)`
(api/services/photos.py), which stamps `trashed_at`; photos stay restorable until purged."""

import datetime as dt
import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.ingest import thumbnails
from api.models import File, Photo, User

logger = logging.getLogger(__name__)

RETENTION = dt.timedelta(days=30)
BATCH = 500


def trash_purge(
    *,
    older_than: dt.timedelta = RETENTION,
    now: dt.datetime | None = None,
    user: User | None = None,
) -> dict[str, int]:
    """Delete photos trashed more than `older_than` before `now` (of `user`, or everyone's).

    Goes with each photo: its row (with everything that cascades from it: album memberships,
    faces, embeddings), its thumbnails and renditions, and the originals it was uploaded as.
    Originals in library folders are never touched: their File rows stay, without a photo, so
    an unchanged file is not indexed again by the next scan. Returns {"photos", "files"} deleted.
    """
    cutoff = (now or timezone.now()) - older_than
    expired = Photo.objects.filter(in_trash=True, trashed_at__lt=cutoff)
    if user is not None:
        expired = expired.for_user(user)
    counts = {"photos": 0, "files": 0}
    while batch := list(expired.only("id", "owner_id", "content_hash")[:BATCH]):
        ids = [photo.pk for photo in batch]
        with transaction.atomic():
            uploads = list(
                File.objects.filter(photo_id__in=ids, uploaded=True).values_list("id", "path")
            )
            File.objects.filter(pk__in=[pk for pk, _ in uploads]).delete()
            counts["photos"] += Photo.objects.filter(pk__in=ids).delete()[1].get("api.Photo", 0)
        for photo in batch:
            thumbnails.cache_delete(photo=photo)
        for _, path in uploads:
            counts["files"] += _upload_delete(Path(path))
    if counts["photos"]:
        logger.info("purged %(photos)d photos and %(files)d uploaded originals", counts)
    return counts


def trash_empty(*, by: User) -> dict[str, int]:
    """Purge every photo in `by`'s trash now, whenever it was trashed."""
    # A photo trashed this very instant is not older than `now`: look a second ahead.
    return trash_purge(
        older_than=dt.timedelta(0), now=timezone.now() + dt.timedelta(seconds=1), user=by
    )


def _upload_delete(path: Path) -> int:
    """Remove an uploaded original, refusing anything outside the upload folder."""
    if not path.resolve().is_relative_to(Path(settings.UPLOAD_DIR).resolve()):
        logger.error("not deleting %s: it is outside the upload folder", path)
        return 0
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return 1
