import itertools

import pytest
from PIL import Image

from api.ingest.face_crops import CROP_MAX_SIDE, face_crop_ensure, face_crop_path
from api.ml import faces as face_model
from api.models import Face, FaceNotPerson, Person
from api.services import faces as services
from api.services.people import person_hide, person_rename
from tests.factories import corpus_photo

OBAMA_NEW = "faces/barack_obama/obama.jpg"


def _inside(box, ltrb) -> bool:
    top, right, bottom, left = box
    x, y = (left + right) / 2, (top + bottom) / 2
    return ltrb[0] <= x <= ltrb[2] and ltrb[1] <= y <= ltrb[3]


def identity_of(face: Face, path: str, manifest: dict) -> str | None:
    """The manifest's identity for a stored face, None for an unlabelled one.

    Folder photos show their folder's person. In group photos the identities are listed
    left to right: they are matched to the manifest's face boxes sorted the same way, and
    the face to the box holding its centre.
    """
    folder = path.split("/")[1]
    if folder != "_groups":
        return folder
    facts = manifest[path]["faces"]
    boxes = sorted(facts["detector_check"]["dlib_cnn_boxes_ltrb"])
    for ltrb, identity in zip(boxes, facts["identities"], strict=False):
        if _inside(face.box, ltrb):
            return identity
    return None


@pytest.fixture
def store(user, faces_folder, manifest, face_detections):
    """Store one corpus photo's detections for `user` (default), as the pipeline would."""

    def _store(path: str, owner=None):
        photo = corpus_photo(
            owner=owner or user, path=faces_folder.parent / path, entry=manifest[path]
        )
        services.photo_store_faces(photo=photo, detected=face_detections[path])
        return photo

    return _store


@pytest.fixture
def processed(store, face_detections) -> dict:
    """Every face photo of the corpus processed one after the other, as a scan would."""
    return {path: store(path) for path in face_detections if path != OBAMA_NEW}


def pairwise_scores(photos: dict, manifest: dict) -> tuple[float, float]:
    labelled = []
    for path, photo in photos.items():
        for face in Face.objects.filter(photo=photo):
            identity = identity_of(face, path, manifest)
            if identity is not None:
                labelled.append((identity, face.person_id))
    true_pos = false_pos = false_neg = 0
    for (id_a, person_a), (id_b, person_b) in itertools.combinations(labelled, 2):
        together = person_a is not None and person_a == person_b
        same = id_a == id_b
        true_pos += together and same
        false_pos += together and not same
        false_neg += same and not together
    return true_pos / (true_pos + false_pos), true_pos / (true_pos + false_neg)


def test_incremental_clusters_match_the_manifest_identities(processed, manifest):
    precision, recall = pairwise_scores(processed, manifest)
    assert precision >= 0.95
    assert recall >= 0.9


def test_reclustering_from_scratch_matches_the_manifest_identities(processed, manifest, user):
    Face.objects.update(person=None, person_source="", distance=None)
    Person.objects.all().delete()
    result = services.faces_cluster(owner=user)
    assert result["faces"] == Face.objects.count()
    precision, recall = pairwise_scores(processed, manifest)
    assert precision >= 0.95
    assert recall >= 0.9
    people = Person.objects.filter(owner=user)
    assert all(p.face_count == p.faces.count() > 1 for p in people)
    assert all(p.cover_face.person_id == p.pk for p in people)


def test_faces_of_one_photo_land_in_different_people(processed, user):
    services.faces_cluster(owner=user)
    for path in ("faces/_groups/obama_and_biden.jpg", "faces/_groups/two_people_obama_biden.jpg"):
        people = list(processed[path].faces.values_list("person_id", flat=True))
        placed = [p for p in people if p is not None]
        assert len(placed) >= 2, path
        assert len(placed) == len(set(placed)), path


def obama(processed) -> Person:
    face = processed["faces/barack_obama/obama2.jpg"].faces.get()
    return face.person


def test_named_person_is_recognised_in_a_new_photo(processed, faces_folder, manifest, user):
    person = person_rename(by=user, person=obama(processed), name="Barack Obama")
    count = person.face_count
    photo = corpus_photo(
        owner=user, path=faces_folder.parent / OBAMA_NEW, entry=manifest[OBAMA_NEW]
    )
    found = services.photo_detect_faces(photo=photo)
    assert len(found) == 1
    face = Face.objects.get(pk=found[0].pk)
    assert face.person_id == person.pk
    assert face.person_source == Face.Source.RECOGNISED
    assert 0 < face.distance <= 0.55
    person.refresh_from_db()
    assert person.face_count == count + 1
    photo.refresh_from_db()
    assert photo.steps["faces"] == {"state": "done", "version": face_model.MODEL_VERSION}


def test_detecting_a_photo_again_is_a_no_op(faces_folder, manifest, user):
    photo = corpus_photo(
        owner=user, path=faces_folder.parent / OBAMA_NEW, entry=manifest[OBAMA_NEW]
    )
    first = services.photo_detect_faces(photo=photo)
    photo.refresh_from_db()
    again = services.photo_detect_faces(photo=photo)
    assert [f.pk for f in again] == [f.pk for f in first]
    assert Face.objects.filter(photo=photo).count() == 1


def test_detection_cuts_each_faces_crop_and_a_new_version_removes_the_replaced_ones(
    store, user, manifest
):
    path = "faces/_groups/kit_with_rose.jpg"
    photo = store(path)
    photo.faces.update(model_version="0")
    photo.steps = {}
    photo.save(update_fields=["steps"])
    replaced = [face_crop_ensure(face=face) for face in photo.faces.all()]

    found = services.photo_detect_faces(photo=photo)

    assert len(found) == manifest[path]["faces"]["count"]
    for face in found:
        crop = Image.open(face_crop_path(face=face, photo=photo))
        assert crop.format == "JPEG"
        assert 0 < max(crop.size) <= CROP_MAX_SIDE
    assert not any(path.exists() for path in replaced)


def test_an_unreadable_photo_records_the_failure_and_has_no_faces(tmp_path, manifest, user):
    path = tmp_path / "broken.jpg"
    path.write_text("not an image")
    photo = corpus_photo(owner=user, path=path, entry=manifest["faces/barack_obama/obama.jpg"])
    assert services.photo_detect_faces(photo=photo) == []
    photo.refresh_from_db()
    assert photo.steps["faces"]["state"] == "failed"
    assert "cannot identify" in photo.steps["faces"]["error"]


def test_a_face_marked_not_this_person_stays_out_after_reclustering(processed, user):
    person = obama(processed)
    face = person.faces.exclude(pk=person.cover_face_id).first()
    services.face_mark_not_person(by=user, face=face, person=person)
    face.refresh_from_db()
    assert face.person_id is None
    services.faces_cluster(owner=user)
    face.refresh_from_db()
    assert face.person_id != person.pk
    assert Person.objects.filter(pk=person.pk).exists()
    assert FaceNotPerson.objects.filter(face=face, person=person).exists()


def test_reclustering_from_scratch_keeps_every_user_label(processed, user):
    obama_person = obama(processed)
    person_rename(by=user, person=obama_person, name="Barack Obama")
    biden = processed["faces/joe_biden/biden2.jpg"].faces.get().person
    person_hide(by=user, person=biden)
    blair = processed["faces/tony_blair/Tony_Blair_0002.jpg"].faces.get().person
    # The user puts one Blair face into Obama (wrongly, but it is their call), takes one out,
    # and says a third is not Blair.
    moved, taken_out, not_blair = list(blair.faces.order_by("pk"))[:3]
    services.face_assign(by=user, face=moved, person=obama_person)
    services.face_unassign(by=user, face=taken_out)
    services.face_mark_not_person(by=user, face=not_blair, person=blair)

    def snapshot() -> dict:
        return {
            "people": sorted(
                Person.objects.filter(owner=user)
                .exclude(name=None, hidden=False)
                .values_list("pk", "name", "hidden")
            ),
            "user_faces": sorted(
                Face.objects.filter(person_source="user").values_list("pk", "person_id")
            ),
            "hidden_faces": sorted(Face.objects.filter(person=biden).values_list("pk", flat=True)),
            "not": sorted(FaceNotPerson.objects.values_list("face_id", "person_id")),
        }

    named_before = set(obama_person.faces.values_list("pk", flat=True))
    before = snapshot()
    services.faces_cluster(owner=user)
    services.faces_cluster(owner=user)
    assert snapshot() == before
    # Recognition may add faces to a named person, never take one away.
    assert named_before <= set(obama_person.faces.values_list("pk", flat=True))
    assert before["user_faces"] == sorted([(moved.pk, obama_person.pk), (taken_out.pk, None)])
    not_blair.refresh_from_db()
    assert not_blair.person_id != blair.pk


def test_another_users_faces_are_never_grouped_with_mine(store, user, other_user):
    store("faces/joe_biden/biden.jpg")
    store("faces/joe_biden/biden2.jpg", owner=other_user)
    assert Person.objects.count() == 0
    store("faces/_groups/two_people_obama_biden.jpg")
    mine = Person.objects.get()
    assert mine.owner == user
    assert {f.photo.owner_id for f in mine.faces.all()} == {user.pk}


def test_a_new_model_version_replaces_faces_and_keeps_the_users_assignment(store, user, manifest):
    photo = store("faces/_groups/kit_with_rose.jpg")
    person = Person.objects.create(owner=user, name="Rose Leslie")
    rose = min(photo.faces.all(), key=lambda face: face.left)
    services.face_assign(by=user, face=rose, person=person)
    # As if an older encoder had made these faces.
    photo.faces.update(model_version="0")
    photo.steps = {}
    photo.save(update_fields=["steps"])

    found = services.photo_detect_faces(photo=photo)

    assert len(found) == manifest["faces/_groups/kit_with_rose.jpg"]["faces"]["count"]
    assert set(photo.faces.values_list("model_version", flat=True)) == {face_model.MODEL_VERSION}
    assert not Face.objects.filter(pk=rose.pk).exists()
    carried = photo.faces.get(person=person)
    assert carried.person_source == Face.Source.USER
    assert abs(carried.left - rose.left) < 10
    person.refresh_from_db()
    assert person.face_count == 1
    assert person.cover_face_id == carried.pk
