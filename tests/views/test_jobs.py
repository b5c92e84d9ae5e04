import datetime as dt
import shutil
import time
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import Job, Library
from tests.conftest import SHARED_PHOTOS
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
def test_a_running_job_whose_worker_went_silent_shows_waiting_for_a_worker(api, user, settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    stale = JobFactory(
        owner=user,
        state=Job.State.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(minutes=5),
    )
    body = api.get(f"/api/jobs/{stale.pk}/").json()
    assert body["state"] == "waiting"
    assert api.get("/api/jobs/").json()["results"][0]["state"] == "waiting"


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


def _follow(api, job_id: int, seconds: float = 90) -> list[dict]:
    """Poll the job through the API until it ends; returns every distinct state seen."""
    seen: list[dict] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = api.get(f"/api/jobs/{job_id}/").json()
        if not seen or (body["state"], body["progress"]) != (
            seen[-1]["state"],
            seen[-1]["progress"],
        ):
            seen.append(body)
        if body["state"] in {"done", "failed"}:
            return seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} still {seen[-1]['state']} after {seconds} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_scan_job_goes_from_queued_to_done_in_a_real_worker(worker_process, user, tmp_path):
    folder = tmp_path / "photos"
    shutil.copytree(SHARED_PHOTOS / "gps", folder)
    shutil.copytree(SHARED_PHOTOS / "broken", folder / "broken")
    LibraryFactory(owner=user, path=str(folder.resolve()))
    api = APIClient()
    api.force_authenticate(user)

    response = api.post("/api/jobs/scan/", {}, format="json")
    assert response.status_code == 202
    assert response.json()["state"] == "queued"
    seen = _follow(api, response.json()["id"])

    order = ["queued", "running", "done"]
    states = [body["state"] for body in seen]
    assert states == sorted(states, key=order.index)
    progress = [body["progress"]["done"] for body in seen]
    assert progress == sorted(progress)
    last = seen[-1]
    assert last["state"] == "done", last["reason"]
    files = sum(1 for path in folder.rglob("*") if path.is_file())
    assert last["progress"] == {"done": files, "total": files}
    failed = {Path(error["path"]).name for error in last["errors"]}
    assert {"text_file_named.jpg", "zero_bytes.jpg"} <= failed
    assert last["result"]["failed"] == len(last["errors"])
    photos = api.get("/api/photos/?page_size=100").json()
    # Files that are no media have no photo; a HEIC without pixels keeps its facts as a photo.
    assert photos["count"] == files - len({"text_file_named.jpg", "zero_bytes.jpg"})
    dscn = next(row for row in photos["results"] if row["taken_at"] == "2008-10-22T16:28:39")
    assert api.get(dscn["thumbnails"]["small"]).status_code == 200
