"""The Celery path for real: a worker process, a broker (Redis, then the embedded one)."""

import datetime as dt
import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from api import tasks
from api.ml import faces as face_model
from api.models import Album, Face, Job, Photo
from api.services.jobs import job_create, job_enqueue
from api.services.users import user_create_or_update
from ownphotos.celery import app as celery_app
from tests.conftest import SHARED_PHOTOS, broker_connection, worker_running
from tests.factories import PhotoFactory, corpus_photo
from tests.geo.test_geocode import EXPECTED

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
    job = job_create(owner=user, kind=Job.Kind.SCAN)
    # Checked before it is sent: a live worker may start it the moment it is enqueued.
    assert Job.objects.get(pk=job.pk).state == Job.State.QUEUED

    job = _job_wait(job_enqueue(job=job))

    assert job.state == Job.State.DONE, job.reason
    assert job.result == {"new": 9, "changed": 0, "unchanged": 0, "missing": 0, "failed": 1}
    assert (job.done, job.total) == (10, 10)
    # Relative to the library: users are not shown the server's folders.
    assert [error["path"] for error in job.errors] == ["text_file_named.jpg"]
    assert Photo.objects.for_user(user).count() == 9


def test_worker_consumes_every_pipeline_queue(worker_process, user):
    """A task sent to the last queue (geocode) is run: the worker listens beyond `ingest`."""
    stale = Job.objects.create(
        owner=user,
        kind=Job.Kind.SCAN,
        state=Job.State.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT + 5),
    )
    tasks.jobs_resume_stale.apply_async(queue=settings.PIPELINE_QUEUES[-1])

    # Queued again, the job (with no library to scan) is taken up and finishes.
    assert _job_wait(stale).state == Job.State.DONE


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


def _photo_step(photo: Photo, state: str) -> Photo | None:
    fresh = Photo.objects.select_related("place").get(pk=photo.pk)
    return fresh if fresh.steps.get("geocode", {}).get("state") == state else None


def _wait_for(predicate, seconds: float = JOB_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError(f"condition not reached in {seconds} s")


def test_geocode_task_retries_a_timed_out_provider_later_keeping_the_offline_place(
    transactional_db, user, nominatim, tmp_path
):
    nominatim.mode = "slow"
    env = {
        "OWNPHOTOS_GEOCODER": "nominatim",
        "OWNPHOTOS_GEOCODER_URL": nominatim.url,
        "OWNPHOTOS_GEOCODER_TIMEOUT": "0.5",
        "OWNPHOTOS_GEOCODER_MIN_DELAY": "0",
        "OWNPHOTOS_GEOCODER_RETRY_BACKOFF": "1",
    }
    photo = PhotoFactory(owner=user, gps_lat=43.467448, gps_lon=11.885127)
    with worker_running(settings.CELERY_BROKER_URL, tmp_path / "worker.log", env=env):
        tasks.photo_geocode.delay(photo.pk)

        waiting = _wait_for(lambda: _photo_step(photo, "retrying"))
        assert waiting.place.name == "Arezzo"
        assert waiting.geocode_provider == "offline"

        nominatim.recovered.set()
        done = _wait_for(lambda: _photo_step(photo, "done"))

    assert done.place.name == "Arezzo"
    assert done.geocode_provider == "nominatim"
    # The failed attempt and, after the back-off, the successful retry reached the provider.
    assert len(nominatim.requests) >= 2


def test_geocode_task_is_routed_to_the_geocode_queue():
    route = celery_app.amqp.router.route({}, tasks.photo_geocode.name)
    assert route["queue"].name == "geocode"


def test_geocode_task_for_a_deleted_photo_does_nothing(user):
    photo = PhotoFactory(owner=user, gps_lat=43.467448, gps_lon=11.885127)
    photo_id = photo.pk
    photo.delete()
    tasks.photo_geocode.run(photo_id)
    assert not Photo.objects.filter(pk=photo_id).exists()


def test_scan_job_geocodes_the_geotagged_photos_in_the_worker(worker_process, tmp_path):
    user = user_create_or_update(username="erin", libraries=[_small_library(tmp_path)])
    job = _job_wait(job_enqueue(job=job_create(owner=user, kind=Job.Kind.SCAN)))
    assert job.state == Job.State.DONE, job.reason
    geotagged = Photo.objects.for_user(user).filter(gps_lat__isnull=False)
    assert geotagged.count() == 8

    _wait_for(lambda: not geotagged.filter(place=None).exists())

    places = {
        photo.files.get().path.rsplit("/", 1)[1]: photo.place.path()
        for photo in geotagged.select_related("place__parent__parent")
    }
    expected = {
        path.rsplit("/", 1)[1]: {"country": e[0], "state": e[2], "city": e[4]}
        for path, e in EXPECTED.items()
        if path.startswith("gps/")
    }
    assert places == expected
    # The photo without usable GPS was not sent to the geocoder.
    assert all("geocode" not in p.steps for p in Photo.objects.for_user(user).filter(gps_lat=None))


FACE_PHOTO = "faces/kit_harington/john2.jpeg"


def test_face_tasks_run_on_the_faces_queue():
    for name in ("api.tasks.photos_detect_faces", "api.tasks.user_cluster_faces"):
        assert celery_app.amqp.router.route({}, name)["queue"].name == "faces"


def test_photos_detect_faces_stores_the_faces_and_records_the_step(user, faces_folder, manifest):
    photo = corpus_photo(
        owner=user, path=faces_folder.parent / FACE_PHOTO, entry=manifest[FACE_PHOTO]
    )
    assert tasks.photos_detect_faces([photo.pk]) == 1
    assert Face.objects.filter(photo=photo).count() == manifest[FACE_PHOTO]["faces"]["count"]
    photo.refresh_from_db()
    assert photo.steps["faces"]["state"] == "done"
    assert photo.steps["faces"]["version"] == face_model.MODEL_VERSION


def test_photos_detect_faces_for_a_deleted_photo_does_nothing(user, faces_folder, manifest):
    photo = corpus_photo(
        owner=user, path=faces_folder.parent / FACE_PHOTO, entry=manifest[FACE_PHOTO]
    )
    photo_id = photo.pk
    photo.delete()
    assert tasks.photos_detect_faces([photo_id]) == 0
    assert not Face.objects.exists()


def test_scanned_photos_get_their_faces_from_the_faces_queue(worker_process, tmp_path, manifest):
    """Scan, thumbnails, then face detection on the big thumbnail, all in a real worker."""
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = ["faces/_groups/two_people_obama_biden.jpg", "faces/joe_biden/biden.jpg"]
    for path in paths:
        shutil.copy(SHARED_PHOTOS / path, folder)
    user = user_create_or_update(username="erin", libraries=[folder])
    job = _job_wait(job_enqueue(job=job_create(owner=user, kind=Job.Kind.SCAN)))
    assert job.state == Job.State.DONE, job.reason

    deadline = time.monotonic() + JOB_SECONDS
    photos = Photo.objects.for_user(user)
    while time.monotonic() < deadline:
        steps = photos.values_list("steps", flat=True)
        if all(step.get("faces", {}).get("state") == "done" for step in steps):
            break
        time.sleep(0.5)
    for path in paths:
        photo = photos.get(files__path__endswith="/" + path.rsplit("/", 1)[1])
        assert photo.steps["faces"]["state"] == "done"
        expected = manifest[path]["faces"]["detector_check"]["dlib_cnn_boxes_ltrb"]
        found = list(photo.faces.all())
        assert len(found) == len(expected)
        for face in found:
            x, y = (face.left + face.right) / 2, (face.top + face.bottom) / 2
            assert any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in expected), face.box
    # Biden is in both photos: the second one found him in the first's cluster.
    biden = photos.get(files__path__endswith="/biden.jpg").faces.get()
    assert biden.person is not None
    assert biden.person.face_count == 2


def _until(check, what: str):
    deadline = time.monotonic() + JOB_SECONDS
    while time.monotonic() < deadline:
        if result := check():
            return result
        time.sleep(0.2)
    raise AssertionError(f"{what} did not happen within {JOB_SECONDS} s")


def test_a_finished_scan_job_groups_its_photos_into_an_event_titled_by_their_city(
    worker_process, tmp_path
):
    user = user_create_or_update(username="erin", libraries=[_small_library(tmp_path)])
    job = job_enqueue(job=job_create(owner=user, kind=Job.Kind.SCAN))
    assert _job_wait(job).state == Job.State.DONE

    # The event may first be titled by its date alone, until geocoding gives its photos a city.
    title = f"{EXPECTED['gps/DSCN0010.jpg'][4]}, 22 October 2008"
    events = Album.objects.for_user(user).filter(kind=Album.Kind.EVENT, title=title)
    event = _until(events.first, "grouping the scanned photos into an event titled by place")

    assert Album.objects.for_user(user).filter(kind=Album.Kind.EVENT).count() == 1
    names = {path.rsplit("/", 1)[1] for path in event.photos.values_list("files__path", flat=True)}
    assert names == {f"DSCN00{n}.jpg" for n in (10, 12, 21, 25, 27)}


def test_the_trash_purge_task_empties_old_trash_in_the_worker(worker_process, user):
    old = PhotoFactory(owner=user, in_trash=True, trashed_at=timezone.now() - dt.timedelta(days=31))
    young = PhotoFactory(owner=user, in_trash=True, trashed_at=timezone.now())

    tasks.trash_purge.delay()

    _until(lambda: not Photo.objects.filter(pk=old.pk).exists(), "purging the old trash")
    assert Photo.objects.filter(pk=young.pk).exists()


def test_each_pool_process_gets_its_share_of_the_cores_for_torch(settings, monkeypatch):
    """What celeryd_init sets before the pool forks, from the worker's --concurrency."""
    import os

    settings.TORCH_THREADS = 1
    monkeypatch.delenv("OWNPHOTOS_TORCH_THREADS", raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    for concurrency, threads in ((1, 4), (2, 2), (8, 1), (None, 1)):
        tasks._torch_share(conf=celery_app.conf, options={"concurrency": concurrency})
        assert threads == settings.TORCH_THREADS, concurrency
    monkeypatch.setenv("OWNPHOTOS_TORCH_THREADS", "3")
    settings.TORCH_THREADS = 3
    tasks._torch_share(conf=celery_app.conf, options={"concurrency": 1})
    assert settings.TORCH_THREADS == 3
