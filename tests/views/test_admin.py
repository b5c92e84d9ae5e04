import os
import subprocess
import sys
import textwrap

import pytest
from django.conf import settings
from django.test import Client

from tests.factories import UserFactory

# Run in a fresh process: OWNPHOTOS_DEBUG is read once, when settings load.
_DEBUG_SCRIPT = textwrap.dedent(
    """
    import django
    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    call_command("migrate", verbosity=0)
    from api.models import User
    staff = User.objects.create_user("root", password="x" * 12, is_staff=True)
    user = User.objects.create_user("ann", password="x" * 12)
    client = Client()
    print("anonymous", client.get("/api/silk/").status_code)
    client.force_login(user)
    print("user", client.get("/api/silk/").status_code)
    client.force_login(staff)
    print("staff", client.get("/api/silk/").status_code)
    print("api", client.get("/api/photos/").status_code)
    """
)


def _run(tmp_path, debug: str) -> dict[str, int]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        OWNPHOTOS_DEBUG=debug,
        OWNPHOTOS_DATA=str(tmp_path),
        DJANGO_SETTINGS_MODULE="ownphotos.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", _DEBUG_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return {
        name: int(code)
        for name, code in (line.split() for line in result.stdout.splitlines() if line.strip())
    }


def test_silk_is_served_to_staff_when_debug_is_on(tmp_path):
    codes = _run(tmp_path, "1")
    assert codes["staff"] == 200
    assert codes["anonymous"] in {302, 403}
    assert codes["user"] in {302, 403}
    assert codes["api"] == 200


def test_silk_is_not_served_when_debug_is_off(tmp_path):
    assert _run(tmp_path, "0")["staff"] == 404


@pytest.mark.django_db
def test_admin_asks_for_a_login_then_lets_staff_in():
    client = Client()
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/login/").status_code == 200
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/api/photo/").status_code == 200


@pytest.mark.django_db
def test_admin_refuses_a_normal_user():
    client = Client()
    client.force_login(UserFactory(username="ann"))
    assert client.get("/admin/").status_code == 302
