import datetime as dt

import pytest
from django.utils import timezone

from api.models import Job, Library
from tests.factories import JobFactory, LibraryFactory


@pytest.mark.django_db
def test_jobs_list_shows_the_callers_jobs_newest_first(api, user, other_user):
    old = JobFactory(owner=user, state=Job.State.DONE, done=3, total=3)
    new = JobFactory(
        owner=user,
        state=Job.State.RUNNING,
        done=1,
        total=4,
        heartbeat_at=timezone.now(),
        errors=[{"path": "/x.jpg", "error": "cannot decode image"}],
    )
    JobFactory(owner=other_user)
    body = api.get("/api/jobs/").json()
    assert [row["id"] for row in body["results"]] == [new.pk, old.pk]
    row = body["results"][0]
    assert (row["kind"], row["state"], row["progress"]) == (
        "scan",
        "running",
        {"done": 1, "total": 4},
    )
    assert row["errors"] == [{"path": "/x.jpg", "error": "cannot decode image"}]


@pytest.mark.django_db
def test_a_running_job_whose_worker_went_silent_shows_failed_with_a_reason(api, user, settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    stale = JobFactory(
        owner=user,
        state=Job.State.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=5),
    )
    body = api.get(f"/api/jobs/{stale.pk}/").json()
    assert body["state"] == "failed"
    assert body["reason"]
    assert api.get("/api/jobs/").json()["results"][0]["state"] == "failed"


@pytest.mark.django_db
def test_retry_queues_a_failed_job_again_as_a_new_job(api, user):
    failed = JobFactory(owner=user, state=Job.State.FAILED, params={"path": None, "full": True})
    response = api.post(f"/api/jobs/{failed.pk}/retry/")
    assert response.status_code == 202
    retry = Job.objects.get(pk=response.json()["id"])
    assert retry.pk != failed.pk
    assert (retry.owner, retry.kind, retry.state) == (user, "scan", "queued")
    assert retry.params == {"path": None, "full": True}


@pytest.mark.django_db
@pytest.mark.parametrize("state", [Job.State.QUEUED, Job.State.RUNNING, Job.State.DONE])
def test_only_a_failed_job_can_be_retried(api, user, state):
    job = JobFactory(owner=user, state=state, heartbeat_at=timezone.now())
    response = api.post(f"/api/jobs/{job.pk}/retry/")
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Job.objects.filter(owner=user).count() == 1


@pytest.mark.django_db
def test_scan_queues_a_job_for_a_folder_inside_a_library(api, user, library):
    LibraryFactory(owner=user, path=str(library.resolve()))
    response = api.post("/api/jobs/scan/", {"path": str(library / "exif")}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert (body["kind"], body["state"]) == ("scan", "queued")
    job = Job.objects.get(pk=body["id"], owner=user)
    assert job.params == {"path": str((library / "exif").resolve()), "full": False}


@pytest.mark.django_db
def test_scan_without_a_body_scans_every_library(api, user):
    response = api.post("/api/jobs/scan/")
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["id"]).params == {"path": None, "full": False}


@pytest.mark.django_db
def test_scan_of_a_path_outside_the_callers_libraries_is_400(api, user, other_user, library):
    LibraryFactory(owner=user, path=str((library / "exif").resolve()))
    LibraryFactory(owner=other_user, path=str((library / "gps").resolve()))
    (library / "exif" / "escape").symlink_to(library / "faces")
    for path in (
        library / "gps",
        library / "faces",
        library / "exif" / ".." / "faces",
        library / "exif" / "escape",
        "/",
    ):
        response = api.post("/api/jobs/scan/", {"path": str(path)}, format="json")
        assert response.status_code == 400, path
        assert response.json()["code"] == "path_outside_library"
    assert not Job.objects.filter(owner=user).exists()
    assert Library.objects.filter(owner=user).count() == 1
