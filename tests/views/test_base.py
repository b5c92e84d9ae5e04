import pytest

from api.models import Photo
from api.views.base import OwnedViewSet


def test_owned_viewset_refuses_a_subclass_that_overrides_get_queryset():
    with pytest.raises(TypeError, match="refine_queryset"):

        class Leaky(OwnedViewSet):
            queryset = Photo.objects.all()

            def get_queryset(self):
                return Photo.objects.all()


@pytest.mark.django_db
def test_wrong_password_is_401(client, user):
    response = client.post(
        "/api/auth/token/", {"username": user.username, "password": "wrong"}, "application/json"
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_right_password_gives_tokens(client, user):
    response = client.post(
        "/api/auth/token/",
        {"username": user.username, "password": "correct horse battery staple"},
        "application/json",
    )
    assert response.status_code == 200
    assert set(response.json()) >= {"access", "refresh"}
