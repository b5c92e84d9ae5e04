"""What is still processing: each step of a photo, and per queue what a job has left."""

import shutil

import pytest

from api.ingest.pipeline import METADATA_VERSION
from api.ingest.scan import library_scan
from api.ml import faces as face_model
from api.models import File, Job
from api.services.jobs import job_create, job_start
from api.services.users import library_add
from tests.conftest import SHARED_PHOTOS

pytestmark = pytest.mark.django_db


def test_photo_detail_shows_each_step_with_state_and_version(api, user, tmp_path):
    folder = tmp_path / "photos"
    shutil.copytree(SHARED_PHOTOS / "gps", folder)
    library_add(user=user, path=folder)
    library_scan(user=user)
    photo = File.objects.get(path=str(folder / "DSCN0010.jpg")).photo

    steps = api.get(f"/api/photos/{photo.pk}/").json()["steps"]

    assert steps["metadata"] == {"state": "done", "version": METADATA_VERSION}
    assert steps["thumbnails"]["state"] == steps["phash"]["state"] == "done"
    # No worker ran: faces and the place are still to come; no model is installed.
    assert steps["faces"] == steps["geocode"] == {"state": "pending", "version": ""}
    assert steps["scenes"]["state"] == steps["clip"]["state"] == "skipped"

    Job.objects.all().delete()
    running = job_start(job=job_create(owner=user, kind=Job.Kind.SCAN), total=12)
    pending = api.get(f"/api/jobs/{running.pk}/").json()["pending"]
    assert pending["ingest"] == 12
    assert pending["faces"] == 9
    assert pending["geocode"] >= 1

    from api.services.faces import photo_detect_faces

    photo_detect_faces(photo=photo)
    steps = api.get(f"/api/photos/{photo.pk}/").json()["steps"]
    assert steps["faces"] == {"state": "done", "version": face_model.MODEL_VERSION}
    assert api.get(f"/api/jobs/{running.pk}/").json()["pending"]["faces"] == 8
