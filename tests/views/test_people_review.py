"""People covers and the "Who is this?" queue, on real dlib faces of the corpus."""

from rest_framework.test import APIClient

from api.ingest.face_crops import face_crop_url
from api.models import Face
from api.services import faces as face_services
from api.services.people import people_refresh
from tests.views.test_people import people, theirs  # noqa: F401 (fixtures)


def test_cover_face_set_by_the_user_survives_recounting(api, people):  # noqa: F811
    putin, _powell = people
    faces = list(putin.faces.order_by("pk").values_list("pk", flat=True))
    other = next(pk for pk in faces if pk != putin.cover_face_id)

    response = api.patch(f"/api/people/{putin.pk}/", {"cover_face": other}, format="json")

    assert response.status_code == 200
    assert response.json()["cover_face"] == other
    assert response.json()["cover_url"] == face_crop_url(other)
    people_refresh(person_ids=[putin.pk])
    putin.refresh_from_db()
    assert putin.cover_face_id == other
    listed = {p["id"]: p for p in api.get("/api/people/").json()}
    assert listed[putin.pk]["cover_face"] == other


def test_cover_face_must_be_one_of_the_persons_faces(api, people):  # noqa: F811
    putin, powell = people
    powell_face = powell.faces.first()

    response = api.patch(f"/api/people/{putin.pk}/", {"cover_face": powell_face.pk}, format="json")

    assert response.status_code == 400
    putin.refresh_from_db()
    assert putin.cover_face_id != powell_face.pk


def test_cover_face_of_another_users_person_is_404(people, theirs, other_user):  # noqa: F811
    putin, _ = people
    stranger = APIClient()
    stranger.force_authenticate(other_user)
    face = putin.faces.first()

    response = stranger.patch(f"/api/people/{putin.pk}/", {"cover_face": face.pk}, format="json")

    assert response.status_code == 404


def test_review_queue_suggests_the_nearest_person_first(api, user, people):  # noqa: F811
    putin, _powell = people
    api.patch(f"/api/people/{putin.pk}/", {"name": "Vladimir"}, format="json")
    face = putin.faces.order_by("pk").last()
    face_services.face_unassign(by=user, face=face)
    unknown = Face.objects.for_user(user).filter(person__isnull=True).count()

    page = api.get("/api/faces/review/").json()

    assert page["count"] == unknown
    queued = next(item for item in page["results"] if item["id"] == face.pk)
    assert queued["crop_url"] == face_crop_url(face.pk)
    assert queued["photo"] == face.photo_id
    first = queued["suggestions"][0]
    assert (first["person"], first["name"]) == (putin.pk, "Vladimir")
    assert first["distance"] < 0.6
    distances = [s["distance"] for s in queued["suggestions"]]
    assert distances == sorted(distances)


def test_review_never_suggests_a_person_the_face_is_not(api, user, people):  # noqa: F811
    putin, _ = people
    face = putin.faces.order_by("pk").last()
    api.patch(f"/api/faces/{face.pk}/", {"not_person": putin.pk}, format="json")

    page = api.get("/api/faces/review/?limit=100").json()

    queued = next(item for item in page["results"] if item["id"] == face.pk)
    assert putin.pk not in [s["person"] for s in queued["suggestions"]]


def test_review_queue_is_the_callers_own(api, people, theirs, other_user):  # noqa: F811
    putin, _ = people
    mine = putin.faces.first()
    face_services.face_unassign(by=putin.owner, face=mine)
    stranger = APIClient()
    stranger.force_authenticate(other_user)

    page = stranger.get("/api/faces/review/?limit=100").json()

    assert mine.pk not in [item["id"] for item in page["results"]]
    assert all(s["person"] != putin.pk for item in page["results"] for s in item["suggestions"])
    assert page["count"] == Face.objects.for_user(other_user).filter(person__isnull=True).count()
