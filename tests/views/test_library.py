"""The web app's library-wide endpoints: models, server state, config, live updates, trash,
usernames to share with, and merging albums (events into albums)."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import Album, Photo
from api.services.albums import album_create
from ownphotos.celery import app
from tests.factories import PhotoFactory, UserFactory

DONE = {"state": "done", "version": "1"}


def _client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_models_say_what_is_missing_and_how_to_install_it(api, user):
    PhotoFactory(owner=user, steps={"thumbnails": DONE, "clip": {"state": "skipped"}})
    PhotoFactory(owner=user, steps={"thumbnails": DONE})

    models = {m["step"]: m for m in api.get("/api/models/").json()}

    clip = models["clip"]
    assert clip["installed"] is False
    assert clip["version"] is None
    assert clip["install_command"] == "manage.py download_models clip"
    assert clip["photos"] == {"done": 0, "stale": 1, "skipped": 1, "failed": 0}
    assert models["scenes"]["install_command"] == "manage.py download_models places365"
    faces = models["faces"]
    assert faces["installed"] is True
    assert faces["install_command"] is None


def test_models_count_photos_done_at_the_installed_version_and_stale_ones(api, user, tiny_clip):
    version = next(m for m in api.get("/api/models/").json() if m["step"] == "clip")["version"]
    assert version
    PhotoFactory(
        owner=user, steps={"thumbnails": DONE, "clip": {"state": "done", "version": version}}
    )
    PhotoFactory(
        owner=user, steps={"thumbnails": DONE, "clip": {"state": "done", "version": "old"}}
    )
    PhotoFactory(
        owner=user, steps={"thumbnails": DONE, "clip": {"state": "failed", "version": version}}
    )
    PhotoFactory(owner=UserFactory(), steps={"thumbnails": DONE, "clip": DONE})

    clip = next(m for m in api.get("/api/models/").json() if m["step"] == "clip")

    assert clip["installed"] is True
    assert clip["photos"] == {"done": 1, "stale": 1, "skipped": 0, "failed": 1}
    assert clip["data_versions"] == {version: 1, "old": 1}


def test_server_state_is_for_staff_only(api, user):
    assert api.get("/api/server/").status_code == 403
    assert APIClient().get("/api/server/").status_code == 401


@pytest.mark.django_db
def test_server_state_tells_database_broker_and_queue_lengths():
    staff = _client(UserFactory(is_staff=True))
    before = staff.get("/api/server/").json()
    app.send_task("api.tasks.jobs_fail_stale", queue="geocode")
    after = staff.get("/api/server/").json()

    assert after["database"]["vendor"] == connection.vendor
    assert after["database"]["version"]
    assert after["broker"]["kind"] == "redis"
    assert after["queues"]["geocode"] == before["queues"]["geocode"] + 1
    assert isinstance(after["workers"], list)
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("geocode")


@pytest.mark.worker
def test_server_state_lists_a_running_worker(worker_process):
    staff = _client(UserFactory(is_staff=True))

    state = staff.get("/api/server/").json()

    assert len(state["workers"]) == 1
    assert state["workers"][0].startswith("celery@")


def test_config_gives_the_map_style_setting(api, settings):
    assert api.get("/api/config/").json() == {"map_style_url": None, "trash_retention_days": 30}
    settings.MAP_STYLE_URL = "https://tiles.example.org/style.json"
    assert api.get("/api/config/").json()["map_style_url"] == "https://tiles.example.org/style.json"
    assert APIClient().get("/api/config/").status_code == 401


def test_updates_answer_304_until_the_library_changes(api, user):
    first = api.get("/api/updates/")
    etag = first["ETag"]

    assert first.status_code == 200
    assert first.json()["photos"]["count"] == 0
    unchanged = api.get("/api/updates/", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    PhotoFactory(owner=user)
    changed = api.get("/api/updates/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["photos"]["count"] == 1


def test_updates_ignore_other_users(api, user, other_user):
    etag = api.get("/api/updates/")["ETag"]
    PhotoFactory(owner=other_user)
    assert api.get("/api/updates/", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_trash_lists_days_left_and_empty_trash_deletes_only_the_callers(api, user, other_user):
    fresh, old, kept = PhotoFactory.create_batch(3, owner=user)
    theirs = PhotoFactory(owner=other_user, in_trash=True, trashed_at=timezone.now())
    for photo in (fresh, old):
        assert (
            api.patch(f"/api/photos/{photo.pk}/", {"in_trash": True}, format="json").status_code
            == 200
        )
    Photo.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - dt.timedelta(days=29.5))

    trash = api.get("/api/trash/").json()

    assert trash["count"] == 2
    assert trash["retention_days"] == 30
    assert [(p["id"], p["days_left"]) for p in trash["photos"]] == [(old.pk, 1), (fresh.pk, 30)]
    emptied = api.post("/api/trash/empty/")
    assert emptied.status_code == 200
    assert emptied.json()["photos"] == 2
    assert not Photo.objects.filter(pk__in=[fresh.pk, old.pk]).exists()
    assert Photo.objects.filter(pk__in=[kept.pk, theirs.pk]).count() == 2
    assert api.get("/api/trash/").json()["count"] == 0


def test_usernames_to_share_with_leave_out_the_caller_and_inactive_users(api, user, other_user):
    UserFactory(username="gone", is_active=False)

    names = [row["username"] for row in api.get("/api/users/names/").json()]

    assert other_user.username in names
    assert user.username not in names
    assert "gone" not in names


def test_merging_an_event_into_an_album_moves_its_photos_and_dismisses_it(api, user):
    photos = PhotoFactory.create_batch(3, owner=user)
    album = album_create(by=user, title="Trips", photo_ids=[photos[0].pk])
    event = Album.objects.create(owner=user, kind=Album.Kind.EVENT, title="Lisbon")
    event.photos.add(*photos)

    response = api.post(f"/api/albums/{event.pk}/merge/", {"into": album.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["photos"] == [p.pk for p in photos]
    event.refresh_from_db()
    assert event.dismissed
    assert api.get(f"/api/albums/{event.pk}/").status_code == 404


def test_merging_a_user_album_deletes_it(api, user):
    photo = PhotoFactory(owner=user)
    source = album_create(by=user, title="a", photo_ids=[photo.pk])
    target = album_create(by=user, title="b")

    assert (
        api.post(f"/api/albums/{source.pk}/merge/", {"into": target.pk}, format="json").status_code
        == 200
    )

    assert not Album.objects.filter(pk=source.pk).exists()
    assert list(target.photos.values_list("pk", flat=True)) == [photo.pk]


def test_merging_into_another_users_album_is_404_and_changes_nothing(api, user, other_user):
    photo = PhotoFactory(owner=user)
    mine = album_create(by=user, title="mine", photo_ids=[photo.pk])
    theirs = album_create(by=other_user, title="theirs")

    response = api.post(f"/api/albums/{mine.pk}/merge/", {"into": theirs.pk}, format="json")

    assert response.status_code == 404
    assert Album.objects.filter(pk=mine.pk).exists()
    assert not theirs.photos.exists()


def test_a_user_changes_their_own_password_given_the_current_one(api, user):
    wrong = api.post(
        "/api/users/me/password/",
        {"old_password": "nope", "new_password": "a much longer secret 42"},
        format="json",
    )
    weak = api.post(
        "/api/users/me/password/",
        {"old_password": "correct horse battery staple", "new_password": "123"},
        format="json",
    )
    changed = api.post(
        "/api/users/me/password/",
        {"old_password": "correct horse battery staple", "new_password": "a much longer secret 42"},
        format="json",
    )

    assert (wrong.status_code, weak.status_code, changed.status_code) == (400, 400, 204)
    user.refresh_from_db()
    assert user.check_password("a much longer secret 42")


def test_bbox_filters_photos_and_timeline_months_to_a_map_area(api, user, other_user):
    paris = PhotoFactory(owner=user, gps_lat=48.85, gps_lon=2.35)
    PhotoFactory(owner=user, gps_lat=40.71, gps_lon=-74.0)
    fiji = PhotoFactory(owner=user, gps_lat=-17.7, gps_lon=179.5)
    PhotoFactory(owner=user, gps_lat=0, gps_lon=0)
    PhotoFactory(owner=other_user, gps_lat=48.86, gps_lon=2.34)

    def ids(bbox: str) -> set[int]:
        return {row["id"] for row in api.get(f"/api/photos/?bbox={bbox}").json()["results"]}

    assert ids("0,45,5,50") == {paris.pk}
    assert ids("170,-30,-170,0") == {fiji.pk}
    assert ids("-1,-1,1,1") == set()
    months = api.get("/api/timeline/months/?bbox=0,45,5,50").json()
    assert sum(m["count"] for m in months) == 1
    assert api.get("/api/photos/?bbox=1,2").status_code == 400
