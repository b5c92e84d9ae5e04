import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import Job
from api.services.jobs import (
    job_advance,
    job_create,
    job_fail,
    job_finish,
    job_heartbeat,
    job_retry,
    job_start,
    jobs_resume_stale,
)

pytestmark = pytest.mark.django_db


def test_job_advance_counts_and_records_errors_in_one_update(user):
    job = job_start(job=job_create(owner=user, kind=Job.Kind.SCAN), total=3)

    with CaptureQueriesContext(connection) as queries:
        job_advance(job=job, path="/p/a.jpg", error="not an image")
    job_advance(job=job)
    job_advance(job=job, path="/p/b.jpg", error='quote " and \\ survive')

    job.refresh_from_db()
    assert len(queries) == 1
    assert queries[0]["sql"].startswith("UPDATE")
    assert (job.done, job.total) == (3, 3)
    assert job.errors == [
        {"path": "/p/a.jpg", "error": "not an image"},
        {"path": "/p/b.jpg", "error": 'quote " and \\ survive'},
    ]


def test_job_advance_from_two_stale_copies_loses_nothing(user):
    job = job_start(job=job_create(owner=user, kind=Job.Kind.SCAN), total=2)
    first, second = Job.objects.get(pk=job.pk), Job.objects.get(pk=job.pk)

    job_advance(job=first, path="a", error="x")
    job_advance(job=second, path="b", error="y")

    job.refresh_from_db()
    assert job.done == 2
    assert [error["path"] for error in job.errors] == ["a", "b"]


def test_job_lifecycle_states_and_timestamps(user):
    job = job_create(owner=user, kind=Job.Kind.SCAN, params={"full": True})
    assert job.state == Job.State.QUEUED

    job = job_start(job=job, total=5)
    assert (job.state, job.started_at is not None) == (Job.State.RUNNING, True)
    job = job_finish(job=job, result={"new": 5})
    assert (job.state, job.result, job.finished_at is not None) == ("done", {"new": 5}, True)

    failed = job_fail(job=job_create(owner=user, kind=Job.Kind.SCAN), reason="disk gone")
    assert (failed.state, failed.reason) == (Job.State.FAILED, "disk gone")


def test_a_job_whose_workers_stopped_reporting_waits_and_is_queued_again(
    user, settings, django_capture_on_commit_callbacks
):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    stale = job_start(job=job_create(owner=user, kind=Job.Kind.SCAN))
    Job.objects.filter(pk=stale.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=5))
    alive = job_start(job=job_create(owner=user, kind=Job.Kind.SCAN))
    job_heartbeat(job=alive)
    queued = job_create(owner=user, kind=Job.Kind.SCAN)

    with django_capture_on_commit_callbacks() as published:
        assert jobs_resume_stale() == 1
    assert len(published) == 1  # its scan task, which queues the unfinished batches again

    states = dict(Job.objects.values_list("pk", "state"))
    assert states == {stale.pk: "waiting", alive.pk: "running", queued.pk: "queued"}
    # Queued again now: the next check leaves it alone until the timeout passes again.
    assert jobs_resume_stale() == 0


def test_job_retry_queues_a_new_job_with_the_same_parameters(
    user, django_capture_on_commit_callbacks
):
    failed = job_fail(
        job=job_create(owner=user, kind=Job.Kind.SCAN, params={"path": "/x"}), reason="boom"
    )

    with django_capture_on_commit_callbacks() as callbacks:
        retry = job_retry(job=failed)

    assert retry.pk != failed.pk
    assert (retry.kind, retry.params, retry.state) == ("scan", {"path": "/x"}, "queued")
    assert len(callbacks) == 1  # the task is sent once the transaction commits


def test_job_keeps_at_most_max_errors(user, monkeypatch):
    monkeypatch.setattr("api.services.jobs.MAX_ERRORS", 2)
    job = job_start(job=job_create(owner=user, kind=Job.Kind.SCAN), total=3)

    for name in ("a", "b", "c"):
        job_advance(job=job, path=name, error="broken")

    job.refresh_from_db()
    assert job.done == 3
    assert [error["path"] for error in job.errors] == ["a", "b"]
