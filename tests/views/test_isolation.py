"""Another user's objects answer 404 on every detail route, and stay as they were."""

import subprocess

import pytest
from rest_framework.test import APIClient

from api.ingest.pipeline import file_extract, file_register
from api.models import Album, AlbumShare, Face, Job, Person, Photo
from api.services.albums import album_create
from api.services.faces import face_assign
from tests.factories import JobFactory, LibraryFactory
from tests.views.routes import PUBLIC, api_operations, fill

BODIES = {
    ("patch", "/api/photos/{id}/"): {"favorite": True, "rating": 5},
    ("patch", "/api/albums/{id}/"): {"title": "renamed"},
    ("post", "/api/albums/{id}/share/"): {"public": True},
}


@pytest.mark.django_db
def test_every_detail_route_is_404_for_another_user(user, other_user, library):
    LibraryFactory(owner=user, path=str(library.resolve()))
    file = file_register(owner=user, path=library / "exif" / "Canon_40D.jpg")
    photo = file_extract(file=file)
    clip = library / "clip.mp4"
    command = ["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc=duration=1"]
    subprocess.run([*command, "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)], check=True)
    video = file_extract(file=file_register(owner=user, path=clip))
    # A motion photo, so that its video route answers its owner.
    (library / ".motion.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    Photo.objects.filter(pk=photo.pk).update(motion_path=str(library / ".motion.mp4"))
    job = JobFactory(owner=user, state=Job.State.FAILED)
    face, spare_face = (
        Face.objects.create(
            photo=photo, top=1, right=9, bottom=9, left=1, encoding=bytes(512), detector="hog"
        )
        for _ in range(2)
    )
    person, spare = (Person.objects.create(owner=user) for _ in range(2))
    face_assign(by=user, face=face, person=person)
    face_assign(by=user, face=spare_face, person=spare)
    ids = {"jobs": job.pk, "faces": face.pk, "people": person.pk}
    values = {"size": "small"}
    owner, stranger = APIClient(), APIClient()
    owner.force_authenticate(user)
    stranger.force_authenticate(other_user)
    bodies = {
        **BODIES,
        ("post", "/api/albums/{id}/photos/"): {"photos": [photo.pk]},
        ("delete", "/api/albums/{id}/photos/"): {"photos": [photo.pk]},
        ("post", "/api/albums/{id}/photos/remove/"): {"ids": [photo.pk]},
        ("patch", "faces"): {"person": person.pk},
        ("patch", "people"): {"name": "Ada"},
        ("post", "people"): {"into": person.pk},
        ("post", "/api/albums/{id}/merge/"): {"into": album_create(by=user, title="into").pk},
    }

    routes = [
        (method, path)
        for method, path in api_operations()
        if "{id}" in path and path not in PUBLIC and not path.startswith("/api/users/")
    ]
    assert {path.split("/")[2] for _, path in routes} >= {
        "photos",
        "jobs",
        "people",
        "faces",
        "albums",
    }
    for method, path in routes:
        resource = path.split("/")[2]
        if resource == "albums":
            # A fresh album per route: one route deletes it, another opens a public link.
            object_id = album_create(by=user, title="mine", photo_ids=[photo.pk]).pk
        else:
            object_id = spare.pk if path.endswith("/merge/") else ids.get(resource, photo.pk)
            object_id = video.pk if path.endswith("/video/") else object_id
        url = fill(path, id=object_id, **values)
        body = bodies.get((method, path), bodies.get((method, resource)))
        denied = getattr(stranger, method)(url, body, format="json")
        assert denied.status_code == 404, (method, url)
        assert str(photo.content_hash) not in denied.content.decode()
        assert "mine" not in denied.content.decode()
        allowed = getattr(owner, method)(url, body, format="json")
        assert allowed.status_code < 400, (method, url, allowed.status_code)

    photo.refresh_from_db()
    assert (photo.favorite, photo.rating) == (True, 5)
    person.refresh_from_db()
    assert person.name == "Ada"
    assert not Person.objects.filter(pk=spare.pk).exists()
    assert Job.objects.filter(owner=other_user).count() == 0
    assert not Album.objects.filter(owner=other_user).exists()
    assert not AlbumShare.objects.exists()


@pytest.mark.django_db
def test_lists_and_days_never_show_another_users_photos(user, other_user, library):
    LibraryFactory(owner=user, path=str(library.resolve()))
    photo = file_extract(file=file_register(owner=user, path=library / "gps" / "DSCN0010.jpg"))
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    assert stranger.get("/api/photos/").json()["count"] == 0
    assert stranger.get("/api/timeline/").json() == []
    day = photo.taken_date.isoformat()
    assert stranger.get(f"/api/timeline/{day}/").json()["results"] == []
    assert stranger.get("/api/jobs/").json()["results"] == []


@pytest.mark.django_db
def test_user_routes_are_refused_to_a_normal_user(user, other_user):
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    for method, path in api_operations():
        if path.startswith("/api/users/{id}"):
            url = fill(path, id=user.pk)
            assert getattr(stranger, method)(url, {}, format="json").status_code == 403, url
