import pytest
from django.test import Client

from api.services.albums import album_create, album_public_link, album_share
from tests.factories import PhotoFactory, UserFactory


@pytest.mark.django_db
def test_admin_lists_and_opens_an_album_with_members_shares_and_link(user, other_user):
    album = album_create(by=user, title="Admin view", photo_ids=[PhotoFactory(owner=user).pk])
    album_share(by=user, album=album, username=other_user.username)
    album_public_link(by=user, album=album, public=True)
    client = Client()
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    listing = client.get("/admin/api/album/")
    page = client.get(f"/admin/api/album/{album.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert "Admin view" in listing.content.decode()
    assert other_user.username in page.content.decode()
    assert album.link.token in page.content.decode()
