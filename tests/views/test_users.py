import pytest
from rest_framework.test import APIClient

from api.models import Library, User
from tests.factories import UserFactory


@pytest.fixture
def staff_api(db) -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.mark.django_db
def test_staff_creates_a_user_with_libraries_who_can_then_log_in(staff_api, library):
    response = staff_api.post(
        "/api/users/",
        {"username": "dora", "password": "a long enough secret", "libraries": [str(library)]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["username"], body["is_staff"], body["is_active"]) == ("dora", False, True)
    assert body["libraries"] == [str(library.resolve())]
    assert "password" not in body
    login = APIClient().post(
        "/api/auth/token/", {"username": "dora", "password": "a long enough secret"}, format="json"
    )
    assert login.status_code == 200


@pytest.mark.django_db
def test_creating_a_user_with_a_missing_folder_is_400_and_creates_nothing(staff_api, tmp_path):
    response = staff_api.post(
        "/api/users/",
        {
            "username": "dora",
            "password": "a long enough secret",
            "libraries": [str(tmp_path / "no")],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_library"
    assert not User.objects.filter(username="dora").exists()


@pytest.mark.django_db
def test_a_library_outside_the_configured_roots_is_refused(staff_api, library, settings):
    settings.LIBRARY_ROOTS = [library / "exif"]
    response = staff_api.post(
        "/api/users/",
        {
            "username": "dora",
            "password": "a long enough secret",
            "libraries": [str(library / "gps")],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "path_outside_library"


@pytest.mark.django_db
def test_a_duplicate_username_or_short_password_is_400(staff_api, user):
    taken = staff_api.post(
        "/api/users/", {"username": user.username, "password": "a long enough secret"}
    )
    short = staff_api.post("/api/users/", {"username": "eve", "password": "short"})
    assert (taken.status_code, short.status_code) == (400, 400)
    assert "username" in taken.json()
    assert "password" in short.json()


@pytest.mark.django_db
def test_staff_adds_a_library_and_deactivates_a_user(staff_api, user, library):
    response = staff_api.patch(
        f"/api/users/{user.pk}/", {"libraries": [str(library / "exif")]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["libraries"] == [str((library / "exif").resolve())]
    response = staff_api.patch(f"/api/users/{user.pk}/", {"is_active": False}, format="json")
    assert response.json()["is_active"] is False
    user.refresh_from_db()
    assert user.is_active is False
    assert Library.objects.filter(owner=user).count() == 1
    login = APIClient().post(
        "/api/auth/token/",
        {"username": user.username, "password": "correct horse battery staple"},
        format="json",
    )
    assert login.status_code == 401


@pytest.mark.django_db
def test_staff_lists_users(staff_api, user, other_user):
    names = [row["username"] for row in staff_api.get("/api/users/").json()["results"]]
    assert names == ["alice", "bob", "root"]


@pytest.mark.django_db
def test_a_normal_user_reads_only_their_own_account(api, user, other_user):
    me = api.get("/api/users/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "alice"
    assert api.get("/api/users/").status_code == 403
    assert api.get(f"/api/users/{other_user.pk}/").status_code == 403
    response = api.post("/api/users/", {"username": "mallory", "password": "a long enough secret"})
    assert response.status_code == 403
    assert not User.objects.filter(username="mallory").exists()
    response = api.patch(f"/api/users/{user.pk}/", {"is_staff": True}, format="json")
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.is_staff is False


@pytest.mark.django_db
def test_a_multipart_patch_of_the_password_alone_leaves_active_and_staff_as_they_were(user):
    # A form omits unticked booleans; without partial validation they read as false and
    # changing a password deactivated the account (found with schemathesis).
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    staff = APIClient()
    staff.force_authenticate(root)
    response = staff.patch(f"/api/users/{root.pk}/", {"password": "a new long password"})
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["is_staff"]) == (True, True)
