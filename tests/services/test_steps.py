"""Photo.steps has one writer: steps finishing on one photo at the same moment keep both."""

import threading

import pytest
from django.db import connection, connections

from api.geo import geocode
from api.ml import faces as face_model
from api.models import Photo
from api.services import faces
from api.services.steps import step_done, step_record, steps_save
from tests.factories import PhotoFactory

AREZZO = (43.467, 11.885)


def _in_threads(*calls) -> None:
    """Run each call in its own thread (so on its own database connection), all released at
    once by a barrier, and re-raise the first error."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call) -> None:
        try:
            barrier.wait(timeout=10)
            call()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]


@pytest.mark.django_db(transaction=True)
def test_faces_geocode_and_clip_finishing_on_one_photo_at_once_all_keep_their_results(user):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole file)")
    version = geocode.geocode_version("offline")
    for _ in range(8):
        photo = PhotoFactory(owner=user, gps_lat=AREZZO[0], gps_lon=AREZZO[1])
        # Each queue works on its own copy, loaded before the others wrote anything.
        for_faces, for_geocode = Photo.objects.get(pk=photo.pk), Photo.objects.get(pk=photo.pk)
        _in_threads(
            lambda p=for_faces: faces.photo_store_faces(photo=p, detected=[]),
            lambda p=for_geocode: geocode.photo_geocode(photo=p),
            lambda p=photo: step_record(photo=p.pk, step="clip", state="done", version="v1"),
        )
        photo.refresh_from_db()
        assert step_done(photo, "faces", face_model.MODEL_VERSION), photo.steps
        assert step_done(photo, "geocode", version), photo.steps
        assert step_done(photo, "clip", "v1"), photo.steps
        assert photo.place.name == "Arezzo"


@pytest.mark.django_db
def test_steps_save_writes_only_the_named_entries(user):
    photo = PhotoFactory(owner=user)
    step_record(photo=photo.pk, step="faces", state="done", version="f1")
    photo.steps = {"metadata": {"state": "done", "version": "1"}, "faces": {"state": "stale"}}

    steps_save(photo=photo, names=["metadata"])

    photo.refresh_from_db()
    assert photo.steps == {
        "metadata": {"state": "done", "version": "1"},
        "faces": {"state": "done", "version": "f1"},
    }
