"""Perceptual hashes: computed with the thumbnails, stable under re-encoding, backfilled once."""

import io
import json
import shutil

import pytest
from django.core.management import call_command
from PIL import Image

from api.ingest.phash import FLAT, phash_backfill, phash_of_image
from api.ingest.pipeline import file_extract, file_register
from api.models import Photo
from tests.conftest import SHARED_PHOTOS
from tests.factories import LibraryFactory, PhotoFactory

FALCON = SHARED_PHOTOS / "exif" / "Canon_EOS_R5_prairie_falcon.jpg"


@pytest.fixture
def falcon(tmp_path, user):
    path = tmp_path / FALCON.name
    shutil.copy(FALCON, path)
    LibraryFactory(owner=user, path=str(tmp_path.resolve()))
    return file_register(owner=user, path=path)


@pytest.mark.django_db
def test_extract_stores_the_hash_and_mean_colour_of_the_big_thumbnail(falcon):
    photo = file_extract(file=falcon)
    photo.refresh_from_db()
    assert photo.steps["phash"]["state"] == "done"
    assert -(2**63) <= photo.phash < 2**63
    with Image.open(FALCON) as original:
        assert bin((photo.phash ^ phash_of_image(original)) & (2**64 - 1)).count("1") <= 4
    assert 0 <= photo.mean_color <= 0xFFFFFF


def test_a_reencoded_half_size_copy_hashes_within_a_few_bits():
    with Image.open(FALCON) as original:
        out = io.BytesIO()
        original.resize((original.width // 2, original.height // 2)).save(out, "JPEG", quality=60)
        copy = Image.open(io.BytesIO(out.getvalue()))
        distance = bin((phash_of_image(original) ^ phash_of_image(copy)) & (2**64 - 1)).count("1")
    assert distance <= 4


def test_flat_pictures_of_any_colour_share_the_flat_hash():
    assert {phash_of_image(Image.new("RGB", (80, 60), c)) for c in ("white", "black", "navy")} == {
        FLAT
    }


@pytest.mark.django_db
def test_backfill_hashes_photos_made_before_hashing_and_is_a_no_op_after(falcon):
    photo = file_extract(file=falcon)
    Photo.objects.filter(pk=photo.pk).update(phash=None, mean_color=None, steps={})
    assert phash_backfill() == 1
    photo.refresh_from_db()
    assert photo.phash is not None
    assert photo.steps["phash"]["state"] == "done"
    assert phash_backfill() == 0


@pytest.mark.django_db
def test_backfill_skips_photos_without_a_thumbnail(user):
    PhotoFactory(owner=user)
    assert phash_backfill() == 0


@pytest.mark.django_db
def test_enrich_command_backfills_hashes_and_reports_counts(falcon, settings, tmp_path):
    settings.MODELS_DIR = tmp_path / "no-models"
    photo = file_extract(file=falcon)
    Photo.objects.filter(pk=photo.pk).update(phash=None, mean_color=None)
    Photo.objects.filter(pk=photo.pk).update(steps={"thumbnails": {"state": "done"}})
    out = io.StringIO()
    call_command("enrich", "--user", "alice", stdout=out)
    assert json.loads(out.getvalue()) == {
        "phash": 1,
        "faces": 1,
        "geocode": 0,
        "scenes": 0,
        "clip": 0,
    }
    photo.refresh_from_db()
    assert photo.phash is not None
    assert photo.steps["clip"]["state"] == "skipped"
