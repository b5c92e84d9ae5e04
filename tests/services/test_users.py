import os

import pytest

from api.exceptions import InvalidLibrary, PathOutsideLibrary
from api.models import Library, User
from api.services.users import library_add, user_create_or_update, user_deactivate

pytestmark = pytest.mark.django_db


def test_user_create_or_update_creates_then_updates(tmp_path):
    user = user_create_or_update(username="zoe", password="pw-one", libraries=[tmp_path])
    assert user.check_password("pw-one")
    assert not user.is_staff
    assert list(user.libraries.values_list("path", flat=True)) == [str(tmp_path)]

    again = user_create_or_update(username="zoe", password="pw-two", is_staff=True)

    assert again.pk == user.pk
    assert again.check_password("pw-two")
    assert again.is_staff
    assert again.is_superuser
    assert again.libraries.count() == 1


def test_invalid_library_saves_nothing(tmp_path):
    with pytest.raises(InvalidLibrary):
        user_create_or_update(username="yan", password="pw", libraries=[tmp_path / "nope"])
    assert not User.objects.filter(username="yan").exists()


def test_library_add_is_idempotent_and_stores_the_resolved_path(user, tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "x").mkdir()
    first = library_add(user=user, path=tmp_path / "x" / ".." / "photos")
    second = library_add(user=user, path=tmp_path / "photos")
    assert first.pk == second.pk
    assert first.path == str(tmp_path / "photos")


@pytest.mark.parametrize("make", ["missing", "file"])
def test_library_add_rejects_what_is_not_a_folder(user, tmp_path, make):
    target = tmp_path / "target"
    if make == "file":
        target.write_text("x")
    with pytest.raises(InvalidLibrary):
        library_add(user=user, path=target)


def test_library_add_rejects_another_users_folder_and_what_lies_inside_it(
    user, other_user, tmp_path
):
    (tmp_path / "bob" / "2019").mkdir(parents=True)
    library_add(user=other_user, path=tmp_path / "bob")

    for path in (tmp_path / "bob", tmp_path / "bob" / "2019", tmp_path):
        with pytest.raises(InvalidLibrary):
            library_add(user=user, path=path)


def test_library_add_keeps_paths_under_the_library_roots(user, tmp_path, settings):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    settings.LIBRARY_ROOTS = [allowed]
    (allowed / "escape").symlink_to(outside)

    assert library_add(user=user, path=allowed).path == str(allowed)
    for path in (outside, allowed / "escape", allowed / ".." / "outside"):
        with pytest.raises(PathOutsideLibrary):
            library_add(user=user, path=path)
    assert Library.objects.for_user(user).count() == 1


def test_library_add_rejects_a_folder_holding_the_data_folder(user, settings):
    with pytest.raises(InvalidLibrary, match="data folder"):
        library_add(user=user, path=settings.DATA_DIR.parent)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_library_add_rejects_an_unreadable_folder(user, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o000)
    with pytest.raises(InvalidLibrary, match="not readable"):
        library_add(user=user, path=locked)


def test_user_deactivate_keeps_the_libraries(user, tmp_path):
    library_add(user=user, path=tmp_path)
    user_deactivate(user=user)
    user.refresh_from_db()
    assert user.is_active is False
    assert user.libraries.count() == 1
