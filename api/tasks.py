"""Celery tasks: thin, ids in, one service call each. Routed to queues in settings."""

import logging
import os
from pathlib import Path

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from celery.signals import celeryd_init, worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError
from geopy.exc import GeocoderServiceError

from api.exceptions import OwnPhotosError
from api.geo import geocode
from api.ingest import renditions, scan
from api.ingest.takeout import takeout_import
from api.ml import enrich
from api.models import File, Job, Photo, User
from api.services import enrichment, events, faces, jobs, trash, uploads, users
from api.services.jobs import job_advance, job_fail, job_finish, job_start

logger = logging.getLogger(__name__)

INTERNAL_ERROR = "the job stopped because of an internal error (details in the server log)"
# Only these are worth retrying: the database was briefly away or locked.
TRANSIENT = (OperationalError, InterfaceError)


class PipelineTask(DjangoTask):
    """Options every task shares. Tasks are idempotent (done work is found done), so a task
    whose worker dies is delivered again (acks_late); its hard time limit stays under the
    broker's visibility timeout (CELERY_BROKER_TRANSPORT_OPTIONS), or Redis would hand a
    running task to a second worker. Longer tasks set acks_late=False."""

    autoretry_for = TRANSIENT
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 5
    acks_late = True
    soft_time_limit = 600
    time_limit = 660


class JobTask(PipelineTask):
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


@celeryd_init.connect
def _torch_share(conf=None, options=None, **_) -> None:
    """Each pool process's torch gets its share of the cores: both with --concurrency 1, one
    each with two processes on two cores. Set before the pool forks; an explicit
    OWNPHOTOS_TORCH_THREADS stands."""
    if os.environ.get("OWNPHOTOS_TORCH_THREADS"):
        return
    cores = os.cpu_count() or 1
    processes = (options or {}).get("concurrency") or getattr(conf, "worker_concurrency", None)
    settings.TORCH_THREADS = max(1, cores // int(processes or cores))


@celeryd_init.connect
def _model_libraries_import(options=None, **_) -> None:
    """A worker of the scene or CLIP queue imports torch (and open_clip, torchvision) once,
    before its pool forks: each pool process then starts with them, instead of importing
    them on its first task (40 s on a loaded machine, before the first CLIP embedding)."""
    queues = (options or {}).get("queues") or settings.PIPELINE_QUEUES
    queues = queues.split(",") if isinstance(queues, str) else queues
    wanted = {"scenes": enrich.STEPS["scenes"], "clip": enrich.STEPS["clip"]}
    if any(name in queues and step.installed() for name, step in wanted.items()):
        import open_clip  # noqa: F401
        import torch  # noqa: F401
        import torchvision  # noqa: F401


@worker_ready.connect
def _resume_stale_jobs(**_) -> None:
    """A worker (re)starting takes up the jobs whose workers are gone."""
    jobs.jobs_resume_stale()


# Compares and plans only (stat, no file opened), then the batches carry the work. Not
# acks_late: walking a huge library may outlive the visibility timeout; a scan task lost
# with its worker is queued again by jobs_resume_stale.
@shared_task(base=JobTask, acks_late=False, soft_time_limit=6 * 3600, time_limit=6 * 3600 + 300)
def job_scan(job_id: int) -> None:
    job = Job.objects.select_related("owner").get(pk=job_id)
    if job.state in (Job.State.DONE, Job.State.FAILED):
        return
    if job.batches.exists():
        scan.scan_resume(job=job)
        return
    job_start(job=job)
    try:
        scan.scan_plan(job=job)
    except OwnPhotosError as exc:
        job_fail(job=job, reason=exc.detail)


# Not acks_late, like a scan's walk: long, and a rerun skips what it already imported (a
# task lost with its worker is queued again by jobs_resume_stale).
@shared_task(base=JobTask, acks_late=False, soft_time_limit=24 * 3600, time_limit=24 * 3600 + 300)
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
    enrichment.task_publish("api.tasks.events_regenerate", job.owner_id)


@shared_task(base=PipelineTask)
def scan_batch(batch_id: int) -> bool:
    """Index one batch of a scan's files (tens of them); counted once however often it runs."""
    return scan.scan_batch_run(batch_id=batch_id)


@shared_task(base=JobTask, job_arg=1)
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
        enrichment.photos_followups_enqueue(photos=list(Photo.objects.filter(files__pk=file_id)))
        enrichment.task_publish("api.tasks.events_regenerate", owner_id)


@shared_task(base=PipelineTask)
def photos_tag_scenes(photo_ids: list[int]) -> int:
    return enrich.photos_tag_scenes(photo_ids=photo_ids)


@shared_task(base=PipelineTask)
def photos_embed_clip(photo_ids: list[int]) -> int:
    return enrich.photos_embed_clip(photo_ids=photo_ids)


@shared_task(base=PipelineTask)
def photos_detect_faces(photo_ids: list[int]) -> int:
    """Detect and group the faces of a batch of photos."""
    return faces.photos_detect_faces(photo_ids=photo_ids)


@shared_task(base=PipelineTask, autoretry_for=(GeocoderServiceError, *TRANSIENT))
def photos_geocode(photo_ids: list[int]) -> None:
    """Link a batch of photos to their places; one whose online provider failed for now is
    queued alone, to be retried with back-off."""
    for photo_id in geocode.photos_geocode(photo_ids=photo_ids):
        enrichment.task_publish("api.tasks.photo_geocode", photo_id)


@shared_task(
    base=PipelineTask,
    # Only transient provider errors reach here (api.geo.geocode keeps the offline answer).
    autoretry_for=(GeocoderServiceError, *TRANSIENT),
    retry_backoff=settings.GEOCODER_RETRY_BACKOFF,
    retry_backoff_max=6 * 3600,
    max_retries=10,
    soft_time_limit=120,
    time_limit=150,
)
def photo_geocode(photo_id: int) -> None:
    """Link a photo to its place; a deleted photo is nothing to do."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        geocode.photo_geocode(photo=photo)


# Not acks_late: clustering a large library may take longer than the visibility timeout.
@shared_task(
    base=PipelineTask, acks_late=False, max_retries=3, soft_time_limit=1800, time_limit=1900
)
def user_cluster_faces(user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        faces.faces_cluster(owner=user)


@shared_task(base=PipelineTask)
def events_regenerate(user_id: int) -> None:
    """Regroup the user's photos changed since the last run into events (after a scan or an
    upload). Idempotent: a second run finds nothing changed."""
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        events.events_regenerate(user=user)


@shared_task(base=PipelineTask)
def enrichment_refresh() -> dict[str, dict[str, int]]:
    """Celery beat runs this hourly (settings.CELERY_BEAT_SCHEDULE)."""
    return enrichment.enrichment_refresh()


@shared_task(base=PipelineTask, soft_time_limit=60, time_limit=90)
def jobs_resume_stale() -> int:
    """Celery beat runs this every JOB_CHECK_SECONDS (settings.CELERY_BEAT_SCHEDULE)."""
    return jobs.jobs_resume_stale()


# Not acks_late: a daily purge of a large trash may be long; the next day's run finishes it.
@shared_task(base=PipelineTask, acks_late=False, soft_time_limit=3600, time_limit=3700)
def trash_purge() -> dict[str, int]:
    """Celery beat runs this daily (settings.CELERY_BEAT_SCHEDULE): photos trashed over 30
    days ago are deleted for good."""
    return trash.trash_purge()


@shared_task(base=PipelineTask, soft_time_limit=600, time_limit=660)
def tokens_flush_expired() -> int:
    """Celery beat runs this daily: refresh tokens past their expiry are deleted."""
    return users.tokens_flush_expired()


# Idempotent (a cached MP4 is kept), so acks_late redelivery is safe. The limits sit above the
# ffmpeg timeout in api/ingest/renditions.py.
@shared_task(
    base=DjangoTask,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=renditions.TRANSCODE_SECONDS + 60,
    time_limit=renditions.TRANSCODE_SECONDS + 120,
)
def photo_transcode_video(photo_id: int) -> None:
    """A browser-playable MP4 of a video the browser cannot play as it is."""
    photo = Photo.objects.filter(pk=photo_id, is_video=True).first()
    if photo is not None:
        renditions.video_transcode(photo=photo)
