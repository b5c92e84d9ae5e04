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
    from api import tasks

    if job.kind == Job.Kind.SCAN:
        tasks.job_scan.delay_on_commit(job.pk)
    elif job.kind == Job.Kind.TAKEOUT:
        tasks.job_import_takeout.delay_on_commit(job.pk)
    elif job.kind == Job.Kind.UPLOAD:
        tasks.file_process.delay_on_commit(job.params["file_id"], job.pk)
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


def job_heartbeat(*, job: Job) -> None:
    """Tell jobs_fail_stale this job's worker is still alive."""
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


def jobs_fail_stale() -> int:
    """Mark failed every running job whose worker has not beaten for JOB_HEARTBEAT_TIMEOUT
    seconds (it was killed or lost). Run by Celery beat every minute (`jobs-fail-stale` in
    settings.CELERY_BEAT_SCHEDULE) and before jobs are listed. Returns how many it failed."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    count = Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff).update(
        state=Job.State.FAILED,
        reason=f"the worker stopped reporting for over {settings.JOB_HEARTBEAT_TIMEOUT} s",
        finished_at=now,
    )
    if count:
        logger.warning("marked %d stale job(s) failed", count)
    return count


def job_retry(*, job: Job) -> Job:
    """Queue a failed or finished job again as a new job with the same kind and parameters."""
    with transaction.atomic():
        retry = job_create(owner=job.owner, kind=job.kind, params=job.params)
        job_enqueue(job=retry)
    return retry
