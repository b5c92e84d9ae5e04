"""A scan as the workers run it: planned into batches, each counted once however often it is
delivered; a file whose extraction died is redone by the next scan."""

import shutil
from pathlib import Path

import pytest

from api.ingest import thumbnails
from api.ingest.pipeline import file_register
from api.ingest.scan import library_scan, scan_batch_run, scan_plan
from api.models import File, Job, JobBatch, Photo
from api.services.jobs import job_create, job_start
from api.services.users import user_create_or_update
from tests.conftest import SHARED_PHOTOS

pytestmark = pytest.mark.django_db


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "photos"
    shutil.copytree(SHARED_PHOTOS / "gps", root)
    shutil.copy(SHARED_PHOTOS / "broken" / "zero_bytes.jpg", root)
    return root


def test_batches_delivered_twice_count_once_and_the_last_one_finishes_the_job(
    folder, settings, django_capture_on_commit_callbacks
):
    settings.SCAN_BATCH = 3
    user = user_create_or_update(username="nina", libraries=[folder])
    job = job_start(job=job_create(owner=user, kind=Job.Kind.SCAN))
    with django_capture_on_commit_callbacks() as published:
        assert scan_plan(job=job) == 4  # 10 files in batches of 3
    assert len(published) == 4
    batches = list(JobBatch.objects.filter(job=job).order_by("number"))

    for batch in batches:
        assert scan_batch_run(batch_id=batch.pk)
        job.refresh_from_db()
        assert job.state == (Job.State.DONE if batch == batches[-1] else Job.State.RUNNING)
    # Redelivered (a worker died before acknowledging it): nothing is counted again.
    assert not scan_batch_run(batch_id=batches[0].pk)

    job.refresh_from_db()
    assert job.result == {"unchanged": 0, "missing": 0, "new": 9, "changed": 0, "failed": 1}
    assert (job.done, job.total) == (10, 10)
    assert [Path(e["path"]).name for e in job.errors] == ["zero_bytes.jpg"]
    assert File.objects.for_user(user).count() == 10
    assert Photo.objects.for_user(user).count() == 9


def test_a_file_whose_extraction_died_is_redone_by_the_next_scan(folder):
    user = user_create_or_update(username="otto", libraries=[folder])
    library_scan(user=user)
    # As a worker killed between registering a changed file and extracting it leaves it.
    file = File.objects.get(path=str(folder / "DSCN0010.jpg"))
    Photo.objects.filter(pk=file.photo_id).update(steps={})
    thumbnails.thumbnail_path(photo=file.photo, size="big").unlink()
    file_register(owner=user, path=file.path)

    counts = library_scan(user=user)

    # The broken file is known broken and unchanged: it is not read again.
    assert (counts["changed"], counts["unchanged"], counts["failed"]) == (1, 9, 0)
    photo = Photo.objects.get(pk=file.photo_id)
    assert photo.steps["metadata"]["state"] == "done"
    assert thumbnails.thumbnails_exist(photo=photo)
    assert library_scan(user=user)["unchanged"] == 10
