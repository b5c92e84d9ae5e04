"""The Celery path for real: a worker process, a broker (Redis, then the embedded one)."""

import datetime as dt
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from api import tasks
from api.models import Album, Job, Photo
from api.services.jobs import job_create, job_enqueue
from api.services.users import user_create_or_update
from tests.conftest import SHARED_PHOTOS, broker_connection, worker_running
from tests.factories import PhotoFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
JOB_SECONDS = 90


def _small_library(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    shutil.copytree(SHARED_PHOTOS / "gps", folder)
    shutil.copy(SHARED_PHOTOS / "broken" / "text_file_named.jpg", folder)
    return folder


def _job_wait(job: Job) -> Job:
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state in (Job.State.DONE, Job.State.FAILED):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job still {job.state} after {JOB_SECONDS} s")


def test_scan_job_runs_queued_to_done_in_a_worker_through_redis(worker_process, tmp_path):
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    user = user_create_or_update(username="carol", libraries=[_small_library(tmp_path)])
    job = job_enqueue(job=job_create(owner=user, kind=Job.Kind.SCAN))
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED

    job = _job_wait(job)

    assert job.state == Job.State.DONE, job.reason
    assert job.result == {"new": 9, "changed": 0, "unchanged": 0, "missing": 0, "failed": 1}
    assert (job.done, job.total) == (10, 10)
    assert [error["path"].rsplit("/", 1)[1] for error in job.errors] == ["text_file_named.jpg"]
    assert Photo.objects.for_user(user).count() == 9


def test_worker_consumes_every_pipeline_queue(worker_process, user):
    """A task sent to the last queue (geocode) is run: the worker listens beyond `ingest`."""
    stale = Job.objects.create(
        owner=user,
        kind=Job.Kind.SCAN,
        state=Job.State.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 5),
    )
    tasks.jobs_fail_stale.apply_async(queue=settings.PIPELINE_QUEUES[-1])

    assert _job_wait(stale).state == Job.State.FAILED


def test_scan_job_runs_in_a_worker_through_the_embedded_filesystem_broker(
    transactional_db, tmp_path
):
    user = user_create_or_update(username="dave", libraries=[_small_library(tmp_path)])
    broker = "filesystem://"
    with worker_running(broker, tmp_path / "worker.log"):
        job = job_create(owner=user, kind=Job.Kind.SCAN)
        with broker_connection(broker) as connection:
            tasks.job_scan.apply_async((job.pk,), connection=connection)
        job = _job_wait(job)

    assert job.state == Job.State.DONE, job.reason
    assert job.result["new"] == 9


def _until(check, what: str):
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {JOB_SECONDS} s")


def test_a_finished_scan_job_groups_its_photos_into_events_in_the_worker(worker_process, tmp_path):
    user = user_create_or_update(username="erin", libraries=[_small_library(tmp_path)])
    job = job_enqueue(job=job_create(owner=user, kind=Job.Kind.SCAN))
    assert _job_wait(job).state == Job.State.DONE

    events = Album.objects.for_user(user).filter(kind=Album.Kind.EVENT)
    event = _until(events.first, "grouping the scanned photos into events")

    assert event.title == "22 October 2008"
    names = {path.rsplit("/", 1)[1] for path in event.photos.values_list("files__path", flat=True)}
    assert names == {f"DSCN00{n}.jpg" for n in (10, 12, 21, 25, 27)}


def test_the_trash_purge_task_empties_old_trash_in_the_worker(worker_process, user):
    old = PhotoFactory(owner=user, in_trash=True, trashed_at=timezone.now() - dt.timedelta(days=31))
    young = PhotoFactory(owner=user, in_trash=True, trashed_at=timezone.now())

    tasks.trash_purge.delay()

    _until(lambda: not Photo.objects.filter(pk=old.pk).exists(), "purging the old trash")
    assert Photo.objects.filter(pk=young.pk).exists()
