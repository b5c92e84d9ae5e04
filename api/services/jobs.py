"""Jobs: background work a user can follow. Counters move with single UPDATEs (F()
expressions), so a worker never overwrites progress another process wrote."""

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Func, JSONField, Value
from django.utils import timezone

from api.models import Job, User
from api.services.enrichment import task_publish

logger = logging.getLogger(__name__)

# A job with more broken files keeps the first ones; `done` and the scan's counts have all.
MAX_ERRORS = 1000


class _JsonAppend(Func):
    """`errors || [value]` in SQL while the list is shorter than MAX_ERRORS, so recording an
    error is part of the same UPDATE and a job with a million broken files stays small."""

    output_field = JSONField()

    def as_sql(self, compiler, connection, **extra_context):
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        value_sql, value_params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            length = f"jsonb_array_length({field_sql})"
            appended = f"({field_sql} || jsonb_build_array(({value_sql})::jsonb))"
        elif connection.vendor == "sqlite":
            length = f"json_array_length({field_sql})"
            appended = f"json_insert({field_sql}, '$[#]', json({value_sql}))"
        else:
            raise NotImplementedError(f"job errors are not supported on {connection.vendor}")
        sql = f"CASE WHEN {length} < {MAX_ERRORS:d} THEN {appended} ELSE {field_sql} END"
        return sql, (*field_params, *field_params, *value_params, *field_params)


def job_create(*, owner: User, kind: str, params: dict | None = None) -> Job:
    """A queued job; enqueue it with job_enqueue (after the transaction commits)."""
    return Job.objects.create(owner=owner, kind=kind, params=params or {})


def job_enqueue(*, job: Job) -> Job:
    """Hand the job to its Celery task once the current transaction commits."""
    if job.kind == Job.Kind.SCAN:
        task_publish("api.tasks.job_scan", job.pk)
    elif job.kind == Job.Kind.TAKEOUT:
        task_publish("api.tasks.job_import_takeout", job.pk)
    elif job.kind == Job.Kind.UPLOAD:
        task_publish("api.tasks.file_process", job.params["file_id"], job.pk)
    else:
        raise ValueError(f"no task for job kind {job.kind!r}")
    return job


def job_start(*, job: Job, total: int = 0) -> Job:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.RUNNING,
        total=total,
        done=0,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        reason="",
    )
    job.refresh_from_db()
    return job


def job_total(*, job: Job, total: int) -> None:
    """Set how many units of work the job has, once it knows."""
    Job.objects.filter(pk=job.pk).update(total=total, heartbeat_at=timezone.now())


def job_advance(*, job: Job, done: int = 1, path: str = "", error: str = "") -> None:
    """Count `done` more units, beat the heart and, when `error` is given, record it against
    `path` — all in one UPDATE."""
    changes = {"done": F("done") + done, "heartbeat_at": timezone.now()}
    if error:
        entry = json.dumps({"path": path, "error": error})
        changes["errors"] = _JsonAppend(F("errors"), Value(entry))
    Job.objects.filter(pk=job.pk).update(**changes)


def job_advance_batch(*, job: Job, done: int, errors: list[tuple[str, str]]) -> None:
    """Count a finished batch of `done` files with its per-file errors."""
    with transaction.atomic():
        for path, error in errors:
            job_advance(job=job, path=path, error=error)
        if done > len(errors):
            job_advance(job=job, done=done - len(errors))


def job_resumed(*, job: Job) -> None:
    """A worker took up the job's work: it runs (again, if it was waiting for a worker)."""
    Job.objects.filter(pk=job.pk, state__in=[Job.State.RUNNING, Job.State.WAITING]).update(
        state=Job.State.RUNNING, heartbeat_at=timezone.now()
    )


def job_complete(*, job: Job, result: dict) -> bool:
    """Finish a running (or waiting) job; False when another process finished it first."""
    now = timezone.now()
    finished = Job.objects.filter(
        pk=job.pk, state__in=[Job.State.RUNNING, Job.State.WAITING]
    ).update(state=Job.State.DONE, result=result, finished_at=now, heartbeat_at=now)
    job.refresh_from_db()
    return bool(finished)


def job_heartbeat(*, job: Job) -> None:
    """Tell jobs_resume_stale this job's worker is still alive."""
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())


def job_finish(*, job: Job, result: dict | None = None) -> Job:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE, result=result or {}, finished_at=now, heartbeat_at=now
    )
    job.refresh_from_db()
    return job


def job_fail(*, job: Job, reason: str) -> Job:
    now = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.FAILED, reason=reason[:2000], finished_at=now, heartbeat_at=now
    )
    job.refresh_from_db()
    return job


def jobs_resume_stale() -> int:
    """Queue again the work of every running job whose workers have not reported for
    JOB_HEARTBEAT_TIMEOUT seconds (killed, or the broker lost their tasks), and show it as
    waiting for a worker until one takes it up. Every task of a job is idempotent, so work
    queued twice is done once. Run by Celery beat (`jobs-resume-stale`), when a worker
    starts, and before jobs are listed. Returns how many jobs it queued again."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    stale = Job.objects.filter(
        state__in=[Job.State.RUNNING, Job.State.WAITING], heartbeat_at__lt=cutoff
    )
    resumed = 0
    for job in stale.order_by("id"):
        # The heartbeat then says when the work was queued again; one process does it.
        if not Job.objects.filter(pk=job.pk, heartbeat_at=job.heartbeat_at).update(
            state=Job.State.WAITING, heartbeat_at=now
        ):
            continue
        # A scan's task re-queues its unfinished batches (or plans, if it died before that).
        with transaction.atomic():
            job_enqueue(job=job)
        resumed += 1
    if resumed:
        logger.warning("queued the work of %d stale job(s) again", resumed)
    return resumed


def job_retry(*, job: Job) -> Job:
    """Queue a failed or finished job again as a new job with the same kind and parameters."""
    with transaction.atomic():
        retry = job_create(owner=job.owner, kind=job.kind, params=job.params)
        job_enqueue(job=retry)
    return retry
