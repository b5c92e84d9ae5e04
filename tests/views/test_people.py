import io

import pytest
from django.conf import settings
from django.core.management import call_command
from PIL import Image
from rest_framework.test import APIClient

from api.ingest.face_crops import face_crop_path, face_crop_url
from api.ingest.thumbnails import cache_delete, thumbnail_path
from api.models import Face, FaceNotPerson, Person
from api.services import faces as face_services
from api.services.people import person_rename
from tests.factories import corpus_photo

PATHS = [
    "faces/vladimir_putin/Vladimir_Putin_0002.jpg",
    "faces/vladimir_putin/Vladimir_Putin_0003.jpg",
    "faces/vladimir_putin/Vladimir_Putin_0006.jpg",
    "faces/colin_powell/Colin_Powell_0001.jpg",
    "faces/colin_powell/Colin_Powell_0002.jpg",
    "faces/lin_manuel_miranda/lin-manuel-miranda.png",
]


def _process(owner, faces_folder, manifest, face_detections, paths=PATHS) -> None:
    for path in paths:
        photo = corpus_photo(owner=owner, path=faces_folder.parent / path, entry=manifest[path])
        face_services.photo_store_faces(photo=photo, detected=face_detections[path])


@pytest.fixture
def people(user, faces_folder, manifest, face_detections) -> tuple[Person, Person]:
    _process(user, faces_folder, manifest, face_detections)
    putin = Face.objects.get(photo__files__path__endswith="Putin_0002.jpg").person
    powell = Face.objects.get(photo__files__path__endswith="Powell_0001.jpg").person
    return putin, powell


@pytest.fixture
def theirs(other_user, faces_folder, manifest, face_detections) -> Person:
    _process(other_user, faces_folder, manifest, face_detections, PATHS[:2])
    return Person.objects.get(owner=other_user)


def test_people_list_has_unnamed_clusters_with_null_names(api, people):
    response = api.get("/api/people/")
    assert response.status_code == 200
    body = response.json()
    putin, powell = people
    assert {p["id"] for p in body} == {putin.pk, powell.pk}
    for entry in body:
        assert set(entry) >= {"id", "name", "face_count", "cover_face"}
        assert entry["name"] is None
    assert {p["id"]: p["face_count"] for p in body} == {putin.pk: 3, powell.pk: 2}


def test_people_list_shows_each_person_as_their_own_page_does(api, people):
    putin, _powell = people
    person_rename(by=putin.owner, person=putin, name="Vladimir Putin")
    listed = api.get("/api/people/").json()
    assert listed == [api.get(f"/api/people/{p['id']}/").json() for p in listed]
    assert listed[0]["name"] == "Vladimir Putin"
    assert listed[0]["cover_url"] == face_crop_url(listed[0]["cover_face"])


def test_people_list_costs_the_same_queries_for_any_number_of_people(
    api, people, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        api.get("/api/people/")


def test_rename_over_http(api, people):
    putin, _ = people
    response = api.patch(f"/api/people/{putin.pk}/", {"name": "Vladimir Putin"}, format="json")
    assert response.status_code == 200
    assert response.json()["name"] == "Vladimir Putin"
    listed = {p["id"]: p["name"] for p in api.get("/api/people/").json()}
    assert listed[putin.pk] == "Vladimir Putin"


def test_rename_with_an_empty_name_is_400(api, people):
    putin, _ = people
    response = api.patch(f"/api/people/{putin.pk}/", {"name": ""}, format="json")
    assert response.status_code == 400


def test_merge_over_http(api, people):
    putin, powell = people
    response = api.post(f"/api/people/{powell.pk}/merge/", {"into": putin.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["id"] == putin.pk
    assert response.json()["face_count"] == 5
    assert api.get(f"/api/people/{powell.pk}/").status_code == 404


def test_merge_into_another_users_person_is_404_and_changes_nothing(api, people, theirs):
    putin, _ = people
    response = api.post(f"/api/people/{putin.pk}/merge/", {"into": theirs.pk}, format="json")
    assert response.status_code == 404
    assert putin.faces.count() == 3
    assert theirs.faces.count() == 2


def test_faces_of_a_person(api, people):
    putin, _ = people
    response = api.get(f"/api/faces/?person={putin.pk}")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 3
    for face in results:
        assert face["person"] == putin.pk
        top, right, bottom, left = face["box"]
        assert 0 <= left < right <= 250
        assert 0 <= top < bottom <= 250
        # Versioned, so the person page's faces dialog gets the year-long cache too.
        assert face["crop_url"] == face_crop_url(face["id"])
        assert api.get(face["crop_url"]).status_code == 200


def test_face_patch_assigns_unassigns_and_marks_not_person(api, people):
    putin, powell = people
    face = putin.faces.first()
    url = f"/api/faces/{face.pk}/"
    response = api.patch(url, {"person": powell.pk}, format="json")
    assert response.status_code == 200
    assert response.json()["person"] == powell.pk
    assert response.json()["person_source"] == "user"
    powell.refresh_from_db()
    assert powell.face_count == 3

    response = api.patch(url, {"person": None}, format="json")
    assert response.status_code == 200
    assert response.json()["person"] is None

    response = api.patch(url, {"not_person": putin.pk}, format="json")
    assert response.status_code == 200
    assert FaceNotPerson.objects.filter(face=face, person=putin).exists()


def test_face_patch_needs_exactly_one_field(api, people):
    face = people[0].faces.first()
    assert api.patch(f"/api/faces/{face.pk}/", {}, format="json").status_code == 400
    response = api.patch(
        f"/api/faces/{face.pk}/", {"person": None, "not_person": people[0].pk}, format="json"
    )
    assert response.status_code == 400


def test_a_face_in_no_group_gets_a_brand_new_name_that_reclustering_keeps(api, user, people):
    putin, _powell = people
    face, other = putin.faces.order_by("pk").last(), putin.faces.order_by("pk").first()
    assert api.patch(f"/api/faces/{face.pk}/", {"person": None}, format="json").status_code == 200
    known = set(Person.objects.values_list("pk", flat=True))

    response = api.patch(f"/api/faces/{face.pk}/", {"name": "  Grace Hopper "}, format="json")

    assert response.status_code == 200
    assert response.json()["person_source"] == "user"
    new = Person.objects.get(pk=response.json()["person"])
    assert new.pk not in known
    assert (new.owner, new.name, new.face_count, new.cover_face_id) == (
        user,
        "Grace Hopper",
        1,
        face.pk,
    )
    listed = {p["id"]: p for p in api.get("/api/people/").json()}
    assert (listed[new.pk]["name"], listed[new.pk]["face_count"]) == ("Grace Hopper", 1)
    assert api.get(f"/api/photos/{face.photo_id}/").json()["faces"][0]["person_name"] == (
        "Grace Hopper"
    )

    call_command("cluster_faces", "--user", user.username, stdout=io.StringIO())
    face.refresh_from_db()
    assert (face.person_id, face.person.name) == (new.pk, "Grace Hopper")

    # The same name in another case is that person, not a second one.
    again = api.patch(f"/api/faces/{other.pk}/", {"name": "grace HOPPER"}, format="json")
    assert again.json()["person"] == new.pk
    assert Person.objects.filter(name__iexact="grace hopper").count() == 1


def test_naming_a_face_needs_a_name_and_only_that(api, people):
    face = people[0].faces.first()
    url = f"/api/faces/{face.pk}/"
    for body in ({"name": "   "}, {"name": "x" * 257}, {"name": "Ann", "person": None}):
        assert api.patch(url, body, format="json").status_code == 400, body
    face.refresh_from_db()
    assert face.person_id == people[0].pk
    assert not Person.objects.filter(name="Ann").exists()


def test_face_patch_with_another_users_person_is_404(api, people, theirs):
    face = people[0].faces.first()
    for body in ({"person": theirs.pk}, {"not_person": theirs.pk}):
        response = api.patch(f"/api/faces/{face.pk}/", body, format="json")
        assert response.status_code == 404
    face.refresh_from_db()
    assert face.person_id == people[0].pk


def test_face_crop_is_a_jpeg_of_the_face(api, people):
    face = people[0].faces.first()
    response = api.get(f"/api/faces/{face.pk}/crop/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert image.format == "JPEG"
    assert 0 < max(image.size) <= 256


def test_face_crop_is_cut_once_kept_beside_the_thumbnails_and_cached_for_good(api, people):
    face = people[0].faces.select_related("photo").first()
    path = face_crop_path(face=face, photo=face.photo)
    assert path.parent == thumbnail_path(photo=face.photo, size="small").parent
    url = face_crop_url(face.pk)

    first = api.get(url)
    assert b"".join(first.streaming_content) == path.read_bytes()
    assert first["Cache-Control"] == "private, max-age=31536000, immutable"
    # What is on disk is what is served: the photo is not cut again.
    other = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(other, format="JPEG")
    path.write_bytes(other.getvalue())
    assert b"".join(api.get(url).streaming_content) == other.getvalue()

    unchanged = api.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == first["ETag"]
    # Without the current version (an old page's URL) it is kept a week, like thumbnails.
    old = api.get(f"/api/faces/{face.pk}/crop/?v=0")
    assert old["Cache-Control"] == f"private, max-age={settings.THUMBNAIL_CACHE_SECONDS}"


def test_a_photos_face_crops_go_with_its_other_renditions(api, people):
    face = people[0].faces.select_related("photo").first()
    assert api.get(face_crop_url(face.pk)).status_code == 200
    path = face_crop_path(face=face, photo=face.photo)
    assert path.exists()
    cache_delete(photo=face.photo)
    assert not path.exists()


def test_another_users_people_and_faces_are_404(api, people, theirs):
    face = theirs.faces.first()
    assert api.get(f"/api/people/{theirs.pk}/").status_code == 404
    assert api.patch(f"/api/people/{theirs.pk}/", {"name": "x"}, format="json").status_code == 404
    merge = api.post(f"/api/people/{theirs.pk}/merge/", {"into": people[0].pk}, format="json")
    assert merge.status_code == 404
    assert api.get(f"/api/faces/{face.pk}/").status_code == 404
    assert api.patch(f"/api/faces/{face.pk}/", {"person": None}, format="json").status_code == 404
    assert api.patch(f"/api/faces/{face.pk}/", {"name": "Mine"}, format="json").status_code == 404
    assert not Person.objects.filter(name="Mine").exists()
    assert api.get(f"/api/faces/{face.pk}/crop/").status_code == 404
    assert theirs.pk not in {p["id"] for p in api.get("/api/people/").json()}
    assert api.get(f"/api/faces/?person={theirs.pk}").json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.name is None


def test_people_and_faces_need_authentication(people):
    client = APIClient()
    assert client.get("/api/people/").status_code == 401
    assert client.get("/api/faces/").status_code == 401


def test_photo_detail_lists_its_faces_with_boxes_and_people(api, people):
    putin, _ = people
    face = putin.faces.select_related("photo").first()
    body = api.get(f"/api/photos/{face.photo_id}/").json()
    assert body["faces"] == [
        {"id": face.pk, "box": face.box, "person": putin.pk, "person_name": putin.name}
    ]


def test_photo_list_filters_by_person(api, people, theirs):
    putin, _ = people
    listed = {p["id"] for p in api.get(f"/api/photos/?person={putin.pk}").json()["results"]}
    assert listed == set(putin.faces.values_list("photo_id", flat=True))
    assert len(listed) == 3
    assert api.get(f"/api/photos/?person={theirs.pk}").json()["results"] == []


def test_hidden_people_leave_the_list_and_are_listed_on_request(api, people):
    putin, powell = people
    response = api.patch(f"/api/people/{putin.pk}/", {"hidden": True}, format="json")
    assert response.status_code == 200
    assert response.json()["hidden"] is True
    assert [p["id"] for p in api.get("/api/people/").json()] == [powell.pk]
    assert [p["id"] for p in api.get("/api/people/?hidden=true").json()] == [putin.pk]
