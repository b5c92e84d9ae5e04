"""Trash: restorable for 30 days, then purged with thumbnails and uploaded originals, never
the originals in library folders."""

import datetime as dt
import shutil

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from api.ingest import renditions, thumbnails
from api.ingest.pipeline import file_extract
from api.ingest.scan import library_scan
from api.models import AlbumPhoto, File, Photo
from api.services.albums import album_create
from api.services.photos import photo_update
from api.services.trash import trash_purge
from ownphotos.celery import app
from tests.factories import PhotoFactory

pytestmark = pytest.mark.django_db


def _scanned(user, library, relative: str) -> Photo:
    library_scan(user=user, path=library / "gps")
    return File.objects.get(path=str(library / relative)).photo


def _uploaded(api, library, relative: str) -> Photo:
    """Through the upload endpoint; its background job is done here by calling its step."""
    source = library / relative
    upload = SimpleUploadedFile(source.name, source.read_bytes())
    answer = api.post("/api/photos/upload/", {"file": upload}, format="multipart")
    assert answer.status_code == 201
    return file_extract(file=File.objects.get(photo_id=answer.json()["id"]))


def _thumbs(photo: Photo) -> list:
    return [thumbnails.thumbnail_path(photo=photo, size=size) for size in ("small", "big")]


def test_purge_deletes_photos_trashed_over_30_days_ago_with_their_thumbnails_only(user, library):
    photo = _scanned(user, library, "gps/DSCN0010.jpg")
    recent = File.objects.get(path=str(library / "gps/DSCN0012.jpg")).photo
    album = album_create(by=user, title="a", photo_ids=[photo.pk, recent.pk])
    photo_update(photo=photo, by=user, in_trash=True)
    photo_update(photo=recent, by=user, in_trash=True)
    now = timezone.now()
    full = renditions.full_make(photo=photo)  # as the viewer's zoom makes it
    kept = File.objects.get(path=str(library / "gps/DSCN0021.jpg")).photo
    assert all(path.exists() for path in [*_thumbs(photo), full, *_thumbs(kept)])

    assert trash_purge(now=now + dt.timedelta(days=29)) == {"photos": 0, "files": 0}
    counts = trash_purge(now=now + dt.timedelta(days=30, seconds=1))

    assert counts == {"photos": 2, "files": 0}
    assert not Photo.objects.filter(pk__in=[photo.pk, recent.pk]).exists()
    assert not any(path.exists() for path in [*_thumbs(photo), full])
    assert all(path.exists() for path in _thumbs(kept))
    assert not AlbumPhoto.objects.filter(album=album).exists()
    assert (library / "gps/DSCN0010.jpg").exists()
    assert File.objects.get(path=str(library / "gps/DSCN0010.jpg")).photo is None


def test_a_purged_library_photo_does_not_come_back_with_the_next_scan(user, library):
    photo = _scanned(user, library, "gps/DSCN0010.jpg")
    photo_update(photo=photo, by=user, in_trash=True)
    trash_purge(now=timezone.now() + dt.timedelta(days=31))

    counts = library_scan(user=user, path=library / "gps")

    assert counts["new"] == counts["changed"] == 0
    assert not Photo.objects.filter(content_hash=photo.content_hash).exists()


def test_purge_deletes_uploaded_originals(user, api, library):
    shutil.rmtree(settings.UPLOAD_DIR / str(user.pk), ignore_errors=True)
    photo = _uploaded(api, library, "gps/DSCN0021.jpg")
    original = photo.files.get()
    assert original.uploaded
    assert original.path.startswith(str(settings.UPLOAD_DIR))
    photo_update(photo=photo, by=user, in_trash=True)

    counts = trash_purge(now=timezone.now() + dt.timedelta(days=31))

    assert counts == {"photos": 1, "files": 1}
    assert not File.objects.filter(pk=original.pk).exists()
    assert not (settings.UPLOAD_DIR / str(user.pk) / "DSCN0021.jpg").exists()
    assert (library / "gps/DSCN0021.jpg").exists()
    assert not any(path.exists() for path in _thumbs(photo))


def test_a_restored_photo_is_never_purged(user, library):
    photo = _scanned(user, library, "gps/DSCN0010.jpg")
    photo_update(photo=photo, by=user, in_trash=True)
    photo_update(photo=photo, by=user, in_trash=False)

    assert trash_purge(now=timezone.now() + dt.timedelta(days=365))["photos"] == 0
    photo.refresh_from_db()
    assert (photo.in_trash, photo.trashed_at) == (False, None)


def test_purge_of_one_user_leaves_another_users_trash(user, other_user):
    long_ago = timezone.now() - dt.timedelta(days=60)
    mine, theirs = (
        PhotoFactory(owner=owner, in_trash=True, trashed_at=long_ago)
        for owner in (user, other_user)
    )

    assert trash_purge(user=user) == {"photos": 1, "files": 0}

    assert not Photo.objects.filter(pk=mine.pk).exists()
    assert Photo.objects.filter(pk=theirs.pk).exists()


def test_celery_beat_runs_the_purge_task_daily():
    entry = settings.CELERY_BEAT_SCHEDULE["trash-purge"]
    assert entry["schedule"] == 24 * 3600
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert settings.CELERY_TASK_ROUTES[entry["task"]] == {"queue": "ingest"}
