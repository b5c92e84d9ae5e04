"""Scene tags and CLIP embeddings stored per photo and model version; missing models skip."""

import shutil
import time

import numpy as np
import pytest
from django.conf import settings

from api.geo import geocode
from api.ingest.scan import library_scan
from api.ml import enrich
from api.ml.faces import MODEL_VERSION
from api.models import Embedding, Photo, PhotoTag
from api.services import enrichment
from api.services.steps import step_record_many
from tests.conftest import SHARED_PHOTOS, worker_running

WAIT_SECONDS = 120
NAMES = [
    "exif/Canon_EOS_R5_prairie_falcon.jpg",
    "exif/Nikon_D750_tanners_ridge.jpg",
    "gps/DSCN0010.jpg",
]


@pytest.fixture
def photos(user, tmp_path, settings) -> list[Photo]:
    """Three corpus photos scanned (thumbnails made) with no model installed."""
    settings.MODELS_DIR = tmp_path / "no-models"
    folder = tmp_path / "library"
    folder.mkdir()
    for name in NAMES:
        shutil.copy(SHARED_PHOTOS / name, folder / name.replace("/", "_"))
    library_scan(user=user, path=folder)
    return list(Photo.objects.for_user(user).order_by("id"))


def _ids(photos: list[Photo]) -> list[int]:
    return [photo.pk for photo in photos]


@pytest.mark.django_db
def test_a_scan_without_models_marks_both_steps_skipped_with_the_command(photos):
    for photo in photos:
        photo.refresh_from_db()
        assert photo.steps["scenes"]["state"] == "skipped"
        assert "manage.py download_models places365" in photo.steps["scenes"]["error"]
        assert "manage.py download_models clip" in photo.steps["clip"]["error"]
        assert photo.steps["thumbnails"]["state"] == "done"


@pytest.mark.django_db
def test_enqueue_with_models_missing_queues_nothing_and_marks_photos_skipped(photos, user):
    Photo.objects.filter(pk__in=_ids(photos)).update(steps={"thumbnails": {"state": "done"}})
    queued = enrichment.enrichment_enqueue(owner=user)
    assert (queued["scenes"], queued["clip"]) == (0, 0)
    for photo in Photo.objects.filter(pk__in=_ids(photos)):
        assert photo.steps["scenes"]["error"].startswith("skipped: model not installed")
        assert photo.steps["clip"]["state"] == "skipped"


@pytest.mark.django_db
def test_scene_tags_are_stored_with_score_and_model_version_and_rerun_is_a_no_op(
    photos, tiny_places
):
    assert enrich.enrichment_stale(owner=photos[0].owner, step="scenes") == _ids(photos)
    assert enrich.photos_tag_scenes(photo_ids=_ids(photos)) == 3
    # The corpus photos carry their own XMP keywords, which are tags of another source.
    tags = PhotoTag.objects.filter(photo__in=photos).exclude(source="xmp")
    for photo in photos:
        # Five categories, indoor or outdoor, and up to five attributes.
        count = tags.filter(photo=photo).count()
        assert 1 + settings.SCENES_TOP < count <= 1 + settings.SCENES_TOP + 5
    assert tags.filter(name__in=("indoor", "outdoor")).count() == 3
    assert set(tags.values_list("source", "version").distinct()) == {
        ("places365", "wideresnet18-places365-1")
    }
    before = sorted(tags.values_list("photo_id", "name", "score"))
    assert enrich.photos_tag_scenes(photo_ids=_ids(photos)) == 0
    assert sorted(tags.values_list("photo_id", "name", "score")) == before
    photos[0].refresh_from_db()
    assert photos[0].steps["scenes"] == {"state": "done", "version": "wideresnet18-places365-1"}
    assert enrich.enrichment_stale(owner=photos[0].owner, step="scenes") == []


@pytest.mark.django_db
def test_tags_of_the_old_resnet18_model_are_stale_and_replaced(photos, tiny_places):
    old = "resnet18-places365-1"
    for photo in photos:
        photo.steps["scenes"] = {"state": "done", "version": old}
        Photo.objects.filter(pk=photo.pk).update(steps=photo.steps)
        PhotoTag.objects.create(
            photo=photo, name="beach", score=0.7, source="places365", version=old
        )
        PhotoTag.objects.create(
            photo=photo, name="outdoor", score=0.9, source="places365", version=old
        )
    assert enrich.enrichment_stale(owner=photos[0].owner, step="scenes") == _ids(photos)
    assert enrich.photos_tag_scenes(photo_ids=_ids(photos)) == 3
    tags = PhotoTag.objects.filter(photo__in=photos).exclude(source="xmp")
    assert set(tags.values_list("version", flat=True)) == {"wideresnet18-places365-1"}
    assert enrich.enrichment_stale(owner=photos[0].owner, step="scenes") == []


@pytest.mark.django_db
def test_misshaped_attribute_weights_skip_the_step_with_the_reason(
    photos, tiny_places, settings, tmp_path
):
    from api.ml import scenes

    shutil.copytree(tiny_places, tmp_path / "broken" / "places365")
    settings.MODELS_DIR = tmp_path / "broken"
    np.save(tmp_path / "broken" / "places365" / scenes.ATTRIBUTE_WEIGHTS, np.zeros((102, 256)))
    assert enrich.photos_tag_scenes(photo_ids=_ids(photos)) == 0
    assert not PhotoTag.objects.filter(photo__in=photos).exclude(source="xmp").exists()
    for photo in Photo.objects.filter(pk__in=_ids(photos)):
        assert photo.steps["scenes"]["state"] == "skipped"
        assert "(102, 512)" in photo.steps["scenes"]["error"]
        assert "manage.py download_models --force places365" in photo.steps["scenes"]["error"]


@pytest.mark.django_db
def test_clip_embeddings_are_stored_normalised_and_a_new_model_re_embeds(
    photos, tiny_clip, settings
):
    owner = photos[0].owner
    assert enrich.photos_embed_clip(photo_ids=_ids(photos)) == 3
    rows = Embedding.objects.filter(photo__in=photos, model_name="clip")
    assert rows.count() == 3
    first_version = rows.first().model_version
    for row in rows:
        assert row.dim == 32
        assert abs(float(np.linalg.norm(row.array)) - 1.0) < 1e-5
    assert enrich.photos_embed_clip(photo_ids=_ids(photos)) == 0
    assert enrich.enrichment_stale(owner=owner, step="clip") == []

    settings.CLIP_PRETRAINED = str(tiny_clip["retrained"])
    assert enrich.enrichment_stale(owner=owner, step="clip") == _ids(photos)
    old = {row.photo_id: bytes(row.vector) for row in rows}
    assert enrich.photos_embed_clip(photo_ids=_ids(photos)) == 3
    assert rows.count() == 3
    fresh = list(rows.all())
    assert {row.model_version for row in fresh} != {first_version}
    assert all(bytes(row.vector) != old[row.photo_id] for row in fresh)


@pytest.mark.django_db
def test_a_photo_without_thumbnail_fails_its_step_and_the_others_go_on(photos, tiny_places):
    from api.ingest.thumbnails import thumbnail_path

    thumbnail_path(photo=photos[0], size="big").unlink()
    assert enrich.photos_tag_scenes(photo_ids=_ids(photos)) == 2
    photos[0].refresh_from_db()
    assert photos[0].steps["scenes"]["state"] == "failed"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_scan_queues_scenes_and_clip_and_a_worker_stores_them(
    tiny_places, tiny_clip, monkeypatch, tmp_path, user
):
    monkeypatch.setenv("OWNPHOTOS_MODELS", str(settings.MODELS_DIR))
    monkeypatch.setenv("OWNPHOTOS_SCENES_THRESHOLD", "0")
    monkeypatch.setenv("OWNPHOTOS_CLIP_MODEL", settings.CLIP_MODEL)
    monkeypatch.setenv("OWNPHOTOS_CLIP_CONFIG", settings.CLIP_CONFIG)
    monkeypatch.setenv("OWNPHOTOS_CLIP_PRETRAINED", settings.CLIP_PRETRAINED)
    folder = tmp_path / "photos"
    shutil.copytree(SHARED_PHOTOS / "gps", folder)
    with worker_running(settings.CELERY_BROKER_URL, tmp_path / "worker.log"):
        library_scan(user=user, path=folder)
        photos = Photo.objects.for_user(user)
        count = photos.count()
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            embedded = Embedding.objects.filter(photo__in=photos, model_name="clip").count()
            tagged = PhotoTag.objects.filter(photo__in=photos).values("photo").distinct().count()
            if embedded == count and tagged == count:
                break
            time.sleep(0.5)
    log = (tmp_path / "worker.log").read_text()
    assert (embedded, tagged) == (count, count), log[-3000:]
    for photo in photos:
        assert photo.steps["scenes"]["state"] == "done"
        assert photo.steps["clip"]["state"] == "done"
    assert "api.tasks.photos_tag_scenes" in log
    assert "api.tasks.photos_embed_clip" in log


@pytest.mark.django_db
def test_the_hourly_refresh_queues_what_a_newly_installed_model_has_not_seen(
    photos, tiny_clip, django_capture_on_commit_callbacks
):
    from api import tasks
    from tests.factories import UserFactory

    owner = photos[0].owner
    UserFactory(username="left", is_active=False)
    assert settings.CELERY_BEAT_SCHEDULE["enrichment-refresh"]["schedule"] == 3600.0
    # Faces and places are current (tested in tests/services/test_enrichment.py).
    step_record_many(photo_ids=_ids(photos), step="faces", state="done", version=MODEL_VERSION)
    geocode.photos_geocode(photo_ids=_ids(photos))
    # The photos were scanned with no model; CLIP is installed now, places365 still is not.
    with django_capture_on_commit_callbacks() as queued:
        counts = tasks.enrichment_refresh()
    assert counts == {owner.username: {"faces": 0, "geocode": 0, "scenes": 0, "clip": 3}}
    assert len(queued) == 1  # one batch of CLIP_BATCH photos
    assert enrich.photos_embed_clip(photo_ids=_ids(photos)) == 3
    with django_capture_on_commit_callbacks() as queued:
        counts = tasks.enrichment_refresh()
    assert counts == {owner.username: {"faces": 0, "geocode": 0, "scenes": 0, "clip": 0}}
    assert queued == []


@pytest.mark.django_db
def test_stale_is_decided_per_photo_by_state_and_version(photos, tiny_clip):
    owner = photos[0].owner
    version = enrich.STEPS["clip"].version()
    a, b, c = photos
    Photo.objects.filter(pk=a.pk).update(
        steps={"thumbnails": {"state": "done"}, "clip": {"state": "done", "version": version}}
    )
    Photo.objects.filter(pk=b.pk).update(
        steps={"thumbnails": {"state": "done"}, "clip": {"state": "done", "version": "old"}}
    )
    Photo.objects.filter(pk=c.pk).update(steps={"thumbnails": {"state": "done"}})
    assert enrich.enrichment_stale(owner=owner, step="clip") == [b.pk, c.pk]
    Photo.objects.filter(pk=c.pk).update(steps={"thumbnails": {"state": "failed"}})
    assert enrich.enrichment_stale(owner=owner, step="clip") == [b.pk]
