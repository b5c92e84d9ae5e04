"""Celery tasks: thin, ids in, one service call each. Routed to queues in settings."""

import logging
from pathlib import Path

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.conf import settings
from django.db import InterfaceError, OperationalError
from geopy.exc import GeocoderServiceError

from api.exceptions import OwnPhotosError
from api.ingest.scan import library_scan
from api.ingest.takeout import takeout_import
from api.ml import enrich, geocode
from api.models import File, Job, Photo, User
from api.services import events, faces, jobs, trash, uploads
from api.services.jobs import job_advance, job_fail, job_finish, job_start

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "the job stopped because of an internal error (details in the server log)"
# Only these are worth retrying: the database was briefly away or locked.
TRANSIENT = (OperationalError, InterfaceError)


class JobTask(DjangoTask):
    """A task whose first argument is a job id: an unexpected crash fails the job at once,
    instead of leaving it "running" until the heartbeat times out. The user is told that it
    crashed; the exception (which may name internal paths and addresses) goes to the log."""

    # Position of the job id among the positional arguments.
    job_arg = 0

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        job_id = kwargs.get("job_id") or (args[self.job_arg] if len(args) > self.job_arg else None)
        job = Job.objects.filter(pk=job_id).first() if job_id else None
        if job is not None:
            logger.error("job %s failed: %r", job.pk, exc)
            job_fail(job=job, reason=INTERNAL_ERROR)


# Not acks_late: a scan can outlive the broker's visibility timeout and would then be
# delivered twice. A worker killed mid-scan leaves the job to jobs_fail_stale; a retry
# is cheap because unchanged files are skipped.
@shared_task(
    base=JobTask,
    acks_late=False,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=24 * 3600,
    time_limit=24 * 3600 + 300,
)
def job_scan(job_id: int) -> None:
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.state in (Job.State.DONE, Job.State.FAILED):
        return
    job_start(job=job)
    try:
        counts = library_scan(
            user=job.owner,
            path=job.params.get("path"),
            full=bool(job.params.get("full")),
            job=job,
        )
    except OwnPhotosError as exc:
        job_fail(job=job, reason=exc.detail)
        return
    job_finish(job=job, result=counts)
    events_regenerate.delay_on_commit(job.owner_id)


# Not acks_late, like a scan: long, and a rerun skips what it already imported.
@shared_task(
    base=JobTask,
    acks_late=False,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=24 * 3600,
    time_limit=24 * 3600 + 300,
)
def job_import_takeout(job_id: int) -> None:
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.state in (Job.State.DONE, Job.State.FAILED):
        return
    job_start(job=job)
    try:
        summary = takeout_import(
            user=job.owner, paths=job.params["paths"], into=job.params.get("into"), job=job
        )
    except OwnPhotosError as exc:
        job_fail(job=job, reason=exc.detail)
        return
    job_finish(job=job, result=summary)
    events_regenerate.delay_on_commit(job.owner_id)


@shared_task(
    base=JobTask,
    job_arg=1,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def file_process(file_id: int, job_id: int | None = None) -> None:
    """Metadata and thumbnails of one uploaded file; one that does not decode fails its job
    and is not kept. Idempotent."""
    file = File.objects.select_related("owner", "photo").filter(pk=file_id).first()
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    if job is not None:
        job_start(job=job, total=1)
    if file is None:
        if job is not None:
            job_fail(job=job, reason="the uploaded file is gone")
        return
    owner_id, name = file.owner_id, Path(file.path).name
    error = uploads.upload_process(file=file)
    if job is not None:
        job_advance(job=job, path=name, error=error)
        if error:
            job_fail(job=job, reason=f"{name} was not kept: {error}")
        else:
            job_finish(job=job, result={"failed": 0})
    if not error:
        enrich.enrichment_enqueue(owner=file.owner)
        events_regenerate.delay_on_commit(owner_id)


# Idempotent (done steps at the current version are skipped), so acks_late redelivery is safe.
@shared_task(
    base=DjangoTask,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def photos_tag_scenes(photo_ids: list[int]) -> int:
    return enrich.photos_tag_scenes(photo_ids=photo_ids)


@shared_task(
    base=DjangoTask,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def photos_embed_clip(photo_ids: list[int]) -> int:
    return enrich.photos_embed_clip(photo_ids=photo_ids)


@shared_task(soft_time_limit=600, time_limit=660)
def enrichment_refresh() -> dict[str, dict[str, int]]:
    """Celery beat runs this hourly (settings.CELERY_BEAT_SCHEDULE)."""
    return enrich.enrichment_refresh()


@shared_task(soft_time_limit=60, time_limit=90)
def jobs_fail_stale() -> int:
    """Celery beat runs this every minute (settings.CELERY_BEAT_SCHEDULE)."""
    return jobs.jobs_fail_stale()


@shared_task(
    base=DjangoTask,
    # Only transient provider errors reach here (api.ml.geocode keeps the offline answer).
    autoretry_for=(GeocoderServiceError, *TRANSIENT),
    retry_backoff=settings.GEOCODER_RETRY_BACKOFF,
    retry_backoff_max=6 * 3600,
    retry_jitter=True,
    max_retries=10,
    soft_time_limit=120,
    time_limit=150,
)
def photo_geocode(photo_id: int) -> None:
    """Link a photo to its place; a deleted photo is nothing to do."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        geocode.photo_geocode(photo=photo)


@shared_task(
    base=DjangoTask,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=120,
    time_limit=150,
)
def photo_detect_faces(photo_id: int) -> None:
    """Detect and group a photo's faces; a photo deleted meanwhile is nothing to do."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        faces.photo_detect_faces(photo=photo)


@shared_task(
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=1800,
    time_limit=1900,
)
def user_cluster_faces(user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        faces.faces_cluster(owner=user)


@shared_task(
    base=DjangoTask,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=600,
    time_limit=660,
)
def events_regenerate(user_id: int) -> None:
    """Regroup the user's photos changed since the last run into events (after a scan or an
    upload). Idempotent: a second run finds nothing changed."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        events.events_regenerate(user=user)


@shared_task(soft_time_limit=3600, time_limit=3700)
def trash_purge() -> dict[str, int]:
    """Celery beat runs this daily (settings.CELERY_BEAT_SCHEDULE): photos trashed over 30
    days ago are deleted for good."""
    return trash.trash_purge()
