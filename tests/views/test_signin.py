"""Sign-in throttling and token revocation, over HTTP."""

import time

import pytest
from rest_framework.test import APIClient

from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def _token(client: APIClient, username: str, password: str):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json"
    )


def _admin_login(client: APIClient, username: str, password: str):
    return client.post("/admin/login/", {"username": username, "password": password})


@pytest.mark.django_db
def test_ten_wrong_passwords_then_429_with_retry_after_even_for_the_right_one(user):
    client = APIClient()
    answers = [_token(client, "alice", f"wrong {i}").status_code for i in range(10)]
    assert answers[:5] == [401] * 5
    assert set(answers[5:]) == {429}
    locked = _token(client, "alice", PASSWORD)
    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= 3600
    # Another address is not locked out of another account.
    assert _token(APIClient(REMOTE_ADDR="10.0.0.2"), "bob", "wrong").status_code == 401


@pytest.mark.django_db
def test_lockouts_grow_expire_by_themselves_and_a_success_resets(user, settings):
    settings.SIGNIN_LOCKOUT_SECONDS = 1
    client = APIClient()
    for i in range(5):
        assert _token(client, "alice", f"wrong {i}").status_code == 401
    first = int(_token(client, "alice", PASSWORD)["Retry-After"])
    time.sleep(1.1)
    # Expired: one more failure locks again, for twice as long.
    assert _token(client, "alice", "wrong again").status_code == 401
    second = int(_token(client, "alice", PASSWORD)["Retry-After"])
    assert (first, second) == (1, 2)
    time.sleep(2.1)
    assert _token(client, "alice", PASSWORD).status_code == 200
    # The success forgot the failures: five more are allowed before a lockout.
    for i in range(4):
        assert _token(client, "alice", f"wrong {i}").status_code == 401
    assert _token(client, "alice", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_admin_login_is_throttled_and_staff_can_unlock(user):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = APIClient()
    for i in range(5):
        response = _admin_login(client, "alice", f"wrong {i}")
        assert response.status_code == 200  # the form again, with its error
    locked = _admin_login(client, "alice", PASSWORD)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert _token(client, "alice", PASSWORD).status_code == 429

    staff = APIClient(REMOTE_ADDR="10.0.0.9")
    access = _token(staff, "root", PASSWORD).json()["access"]
    staff.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    assert staff.post(f"/api/users/{user.pk}/unlock/").status_code == 200
    assert _token(client, "alice", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_a_used_refresh_token_is_dead_and_its_successor_works(user):
    client = APIClient()
    tokens = _token(client, "alice", PASSWORD).json()
    first = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert first.status_code == 200
    assert first.json()["refresh"] != tokens["refresh"]
    again = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert again.status_code == 401
    successor = client.post("/api/auth/token/refresh/", {"refresh": first.json()["refresh"]})
    assert successor.status_code == 200


@pytest.mark.django_db
def test_a_refresh_token_after_a_password_change_is_401_and_so_is_the_access_token(user):
    client = APIClient()
    tokens = _token(client, "alice", PASSWORD).json()
    user.set_password("another long password")
    user.save()

    refreshed = client.post("/api/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/photos/").status_code == 401


@pytest.mark.django_db
def test_staff_changing_a_password_or_deactivating_ends_every_refresh_token(user):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    staff = APIClient()
    staff.credentials(
        HTTP_AUTHORIZATION=f"Bearer {_token(staff, 'root', PASSWORD).json()['access']}"
    )
    phones = [_token(APIClient(), "alice", PASSWORD).json()["refresh"] for _ in range(2)]
    assert (
        staff.patch(f"/api/users/{user.pk}/", {"password": "a new long password"}).status_code
        == 200
    )
    for refresh in phones:
        assert APIClient().post("/api/auth/token/refresh/", {"refresh": refresh}).status_code == 401

    laptop = _token(APIClient(), "alice", "a new long password")
    assert laptop.status_code == 200, laptop.content
    laptop = laptop.json()["refresh"]
    assert staff.patch(f"/api/users/{user.pk}/", {"is_active": False}).status_code == 200
    assert APIClient().post("/api/auth/token/refresh/", {"refresh": laptop}).status_code == 401


def test_token_lifetimes_come_from_the_environment(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {
        **os.environ,
        "OWNPHOTOS_ACCESS_TOKEN_MINUTES": "2",
        "OWNPHOTOS_REFRESH_TOKEN_DAYS": "3",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "j = s.SIMPLE_JWT; print(j['ACCESS_TOKEN_LIFETIME'].seconds, "
        "j['REFRESH_TOKEN_LIFETIME'].days)"
    )
    env["DJANGO_SETTINGS_MODULE"] = "ownphotos.settings"
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["120", "3"]


@pytest.mark.django_db
def test_behind_a_proxy_addresses_come_from_the_entry_it_appended(user, settings):
    settings.PROXIES = 1
    settings.SIGNIN_FAILURES = 1  # an address is locked after 4 failures

    def attempt(forwarded: str) -> int:
        client = APIClient(HTTP_X_FORWARDED_FOR=forwarded)
        return _token(client, f"nobody{forwarded}", "wrong").status_code

    # A client forging the first entry is still counted by what the proxy appended.
    answers = [attempt(f"10.9.9.{i}, 192.0.2.7") for i in range(5)]
    assert answers == [401] * 4 + [429]
    assert attempt("192.0.2.8") == 401


@pytest.mark.django_db
def test_staff_lift_a_lockout_from_the_admin(user):
    from django.test import Client

    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    for i in range(5):
        _token(APIClient(), "alice", f"wrong {i}")
    assert _token(APIClient(), "alice", PASSWORD).status_code == 429
    admin = Client()
    admin.force_login(root)
    response = admin.post(
        "/admin/api/user/",
        {"action": "unlock_signin", "_selected_action": [user.pk]},
        follow=True,
    )
    assert b"Unlocked: alice." in response.content
    assert _token(APIClient(), "alice", PASSWORD).status_code == 200
