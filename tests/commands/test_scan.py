import json
import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import Album, Face, Job, Photo, User
from api.services.users import user_create_or_update
from tests.conftest import SHARED_PHOTOS

pytestmark = pytest.mark.django_db


def _run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    shutil.copytree(SHARED_PHOTOS / "gps", root)
    shutil.copy(SHARED_PHOTOS / "broken" / "zero_bytes.jpg", root)
    return root


def test_scan_prints_json_counts_last_and_succeeds_despite_failed_files(photos):
    user_create_or_update(username="frank", password="pw", libraries=[photos])

    lines = _run("scan", "--user", "frank")
    again = _run("scan", "--user", "frank")

    assert json.loads(lines[-1]) == {
        "new": 9,
        "changed": 0,
        "unchanged": 0,
        "missing": 0,
        "failed": 1,
    }
    assert lines[-1] == '{"new":9,"changed":0,"unchanged":0,"missing":0,"failed":1}'
    assert json.loads(again[-1])["unchanged"] == 10
    job = Job.objects.filter(owner__username="frank").first()
    assert (job.state, job.result["failed"]) == ("done", 1)


def test_scan_wait_runs_every_later_step_in_the_command_without_a_worker(photos):
    shutil.copy(SHARED_PHOTOS / "faces" / "barack_obama" / "obama.jpg", photos)
    user = user_create_or_update(username="gina", password="pw", libraries=[photos])

    lines = _run("scan", "--user", "gina", "--wait")

    assert json.loads(lines[-1])["new"] == 10
    mine = Photo.objects.for_user(user)
    tuscany = mine.get(files__path__endswith="DSCN0010.jpg")
    assert tuscany.place.parent.parent.name == "Italy"
    assert mine.filter(gps_lat__isnull=False, place__isnull=True).count() == 0
    obama = mine.get(files__path__endswith="obama.jpg")
    assert Face.objects.filter(photo=obama).count() == 1
    assert obama.steps["faces"]["state"] == "done"
    for step in ("scenes", "clip"):
        assert obama.steps[step]["state"] == "skipped"
        assert "download_models" in obama.steps[step]["error"]
    event = Album.objects.for_user(user).get(kind=Album.Kind.EVENT)
    assert set(event.photos.values_list("pk", flat=True)) == set(
        mine.filter(files__path__contains="DSCN00").values_list("pk", flat=True)
    )


def test_scan_of_a_path_adds_it_as_a_library_of_the_user(photos):
    user = user_create_or_update(username="gina", password="pw")

    lines = _run("scan", "--user", "gina", "--path", str(photos / ".." / "photos"))

    assert json.loads(lines[-1])["new"] == 9
    assert list(user.libraries.values_list("path", flat=True)) == [str(photos)]
    assert Photo.objects.for_user(user).count() == 9


def test_scan_of_an_unknown_user_fails_with_one_line():
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("scan", "--user", "nobody")


def test_scan_of_a_missing_folder_fails_with_one_line(tmp_path):
    user_create_or_update(username="hank", password="pw")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("scan", "--user", "hank", "--path", str(tmp_path / "gone"))


def test_createuser_creates_an_admin_with_libraries(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()

    _run(
        "createuser",
        "ivy",
        "--password",
        "pw",
        "--admin",
        "--library",
        str(tmp_path / "a"),
        "--library",
        str(tmp_path / "b"),
    )

    user = User.objects.get(username="ivy")
    assert user.check_password("pw")
    assert user.is_staff
    assert sorted(user.libraries.values_list("path", flat=True)) == [
        str(tmp_path / "a"),
        str(tmp_path / "b"),
    ]


def test_createuser_with_a_bad_library_fails_with_one_line(tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("createuser", "jo", "--password", "pw", "--library", str(tmp_path / "no"))


def test_bootstrap_admin_prints_a_generated_password_once(tmp_path, settings):
    settings.ADMIN_PASSWORD = ""

    first = _run("bootstrap_admin", "--library", str(tmp_path))
    second = _run("bootstrap_admin", "--library", str(tmp_path))

    password = first[0].rsplit(": ", 1)[1]
    assert User.objects.get(username="admin").check_password(password)
    assert not any("password" in line for line in second)
    assert User.objects.get(username="admin").libraries.count() == 1


def test_bootstrap_admin_uses_the_configured_password(tmp_path, settings):
    settings.ADMIN_PASSWORD = "from-the-environment"

    lines = _run("bootstrap_admin", "--library", str(tmp_path))

    assert "from-the-environment" not in "".join(lines)
    assert User.objects.get(username="admin").check_password("from-the-environment")


@pytest.mark.worker
def test_scan_queue_runs_on_the_workers_and_follows_until_done(worker_process, photos):
    user_create_or_update(username="queued", password="pw", libraries=[photos])

    lines = _run("scan", "--user", "queued", "--queue")

    assert json.loads(lines[-1]) == {
        "new": 9,
        "changed": 0,
        "unchanged": 0,
        "missing": 0,
        "failed": 1,
    }
    job = Job.objects.get(owner__username="queued")
    assert job.state == "done"
    assert job.batches.count() == 1
