"""Celery tasks run by a real worker process over the real broker (Redis)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from api.models import Photo
from api.tasks import photo_geocode
from ownphotos.celery import app
from tests.factories import PhotoFactory

ROOT = Path(__file__).resolve().parent.parent


def _database_url() -> str:
    """The URL of the test database this process uses, for the worker to open the same one."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait_for(predicate, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def geocode_worker(nominatim):
    """A worker consuming only the geocode queue, configured for the loopback provider."""
    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare("geocode", durable=True, auto_delete=False)
        conn.default_channel.queue_purge("geocode")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "OWNPHOTOS_GEOCODER": "nominatim",
        "OWNPHOTOS_GEOCODER_URL": nominatim.url,
        "OWNPHOTOS_GEOCODER_TIMEOUT": "0.5",
        "OWNPHOTOS_GEOCODER_MIN_DELAY": "0",
        "OWNPHOTOS_GEOCODER_RETRY_BACKOFF": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ownphotos",
            "worker",
            "-Q",
            "geocode",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "-n",
            f"geocode-test-{uuid.uuid4().hex[:8]}@%h",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    yield nominatim
    worker.terminate()
    worker.wait(timeout=30)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_geocode_task_retries_a_timed_out_provider_later_keeping_the_offline_place(
    user, geocode_worker
):
    geocode_worker.mode = "slow"
    photo = PhotoFactory(owner=user, gps_lat=43.467448, gps_lon=11.885127)

    photo_geocode.delay(photo.pk)

    def _step(state: str) -> Photo | None:
        fresh = Photo.objects.select_related("place").get(pk=photo.pk)
        return fresh if fresh.steps.get("geocode", {}).get("state") == state else None

    waiting = _wait_for(lambda: _step("retrying"))
    assert waiting.place.name == "Arezzo"
    assert waiting.geocode_provider == "offline"

    geocode_worker.recovered.set()
    done = _wait_for(lambda: _step("done"))
    assert done.place.name == "Arezzo"
    assert done.geocode_provider == "nominatim"
    # At least the failed attempt and the successful retry reached the provider.
    assert len(geocode_worker.requests) >= 2


@pytest.mark.django_db
def test_geocode_task_is_routed_to_the_geocode_queue():
    route = app.amqp.router.route({}, photo_geocode.name)
    assert route["queue"].name == "geocode"


@pytest.mark.django_db
def test_geocode_task_for_a_deleted_photo_does_nothing(user):
    photo = PhotoFactory(owner=user, gps_lat=43.467448, gps_lon=11.885127)
    photo_id = photo.pk
    photo.delete()
    photo_geocode.run(photo_id)
    assert not Photo.objects.filter(pk=photo_id).exists()
