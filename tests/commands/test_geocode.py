import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from api.geo import geocode
from ownphotos.celery import app
from tests.factories import PhotoFactory


@pytest.fixture
def geocode_queue():
    """The geocode queue of the test broker, emptied before and after; yields its size."""

    def size() -> int:
        with app.connection_for_write() as conn:
            declared = conn.default_channel.queue_declare(
                "geocode", durable=True, auto_delete=False
            )
            return declared.message_count

    with app.connection_for_write() as conn:
        conn.default_channel.queue_declare("geocode", durable=True, auto_delete=False)
        conn.default_channel.queue_purge("geocode")
    yield size
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("geocode")


def _run(capsys, *args) -> dict:
    call_command("geocode", *args)
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.mark.django_db
def test_changing_the_geocoder_queues_every_geotagged_photo_again(
    user, other_user, settings, capsys, geocode_queue, django_capture_on_commit_callbacks
):
    geotagged = [
        PhotoFactory(owner=user, gps_lat=43.4674, gps_lon=11.8851),
        PhotoFactory(owner=user, gps_lat=51.025, gps_lon=7.5919),
        PhotoFactory(owner=other_user, gps_lat=39.115, gps_lon=-108.4),
    ]
    PhotoFactory(owner=user)
    for photo in geotagged:
        geocode.photo_geocode(photo=photo)

    with django_capture_on_commit_callbacks(execute=True):
        assert _run(capsys) == {"queued": 0}
    assert geocode_queue() == 0

    settings.GEOCODER = "nominatim"
    with django_capture_on_commit_callbacks(execute=True):
        assert _run(capsys, "--user", user.username) == {"queued": 2}
    assert geocode_queue() == 1  # one batch of both photos


@pytest.mark.django_db
def test_photo_whose_gps_changed_is_queued(
    user, capsys, geocode_queue, django_capture_on_commit_callbacks
):
    photo = geocode.photo_geocode(photo=PhotoFactory(owner=user, gps_lat=43.4674, gps_lon=11.8851))
    photo.gps_lat = None
    photo.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert _run(capsys) == {"queued": 1}
    assert geocode_queue() == 1


@pytest.mark.django_db
def test_unknown_user_is_a_one_line_error():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("geocode", "--user", "nobody")
