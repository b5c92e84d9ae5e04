import pytest

from api.exceptions import NotFound, OwnPhotosError
from api.models import Face, FaceNotPerson, Person
from api.services import faces as face_services
from api.services.people import person_hide, person_merge, person_rename
from tests.factories import corpus_photo


@pytest.fixture
def two_clusters(user, faces_folder, manifest, face_detections) -> tuple[Person, Person]:
    """Putin's and Bush's corpus photos processed: two unnamed clusters."""
    people = []
    for name in ("vladimir_putin", "george_w_bush"):
        for path in sorted(p for p in face_detections if p.startswith(f"faces/{name}/")):
            photo = corpus_photo(owner=user, path=faces_folder.parent / path, entry=manifest[path])
            face_services.photo_store_faces(photo=photo, detected=face_detections[path])
        people.append(Face.objects.filter(photo__files__path__contains=name).first().person)
    return tuple(people)


def test_clusters_are_unnamed_people_with_counts_and_covers(two_clusters):
    for person in two_clusters:
        assert person.name is None
        assert person.face_count == 4 == person.faces.count()
        assert person.cover_face.person_id == person.pk


def test_renaming_a_cluster_names_all_its_faces(two_clusters, user):
    putin, _ = two_clusters
    person_rename(by=user, person=putin.pk, name="  Vladimir Putin ")
    assert set(Face.objects.filter(person__name="Vladimir Putin")) == set(putin.faces.all())


def test_an_empty_name_is_refused_and_the_old_one_kept(two_clusters, user):
    putin, _ = two_clusters
    person_rename(by=user, person=putin, name="Putin")
    with pytest.raises(OwnPhotosError, match="empty"):
        person_rename(by=user, person=putin, name="   ")
    putin.refresh_from_db()
    assert putin.name == "Putin"


def test_merge_moves_every_face_and_updates_the_count(two_clusters, user):
    putin, bush = two_clusters
    moved = set(bush.faces.values_list("pk", flat=True))
    into = person_merge(by=user, person=bush, into=putin.pk)
    assert into.pk == putin.pk
    assert into.face_count == 8
    assert moved <= set(into.faces.values_list("pk", flat=True))
    assert not Person.objects.filter(pk=bush.pk).exists()
    assert set(Face.objects.filter(pk__in=moved).values_list("person_source", flat=True)) == {
        "user"
    }
    face_services.faces_cluster(owner=user)
    assert Face.objects.filter(person=putin).count() == 8


def test_merge_into_another_users_person_is_not_found(two_clusters, user, other_user):
    putin, _ = two_clusters
    theirs = Person.objects.create(owner=other_user, name="Theirs")
    with pytest.raises(NotFound):
        person_merge(by=user, person=putin, into=theirs.pk)
    with pytest.raises(NotFound):
        person_merge(by=other_user, person=putin, into=theirs.pk)
    assert putin.faces.count() == 4


def test_merge_into_oneself_is_refused(two_clusters, user):
    putin, _ = two_clusters
    with pytest.raises(OwnPhotosError):
        person_merge(by=user, person=putin, into=putin)


def test_assigning_a_face_moves_counts_and_cover(two_clusters, user):
    putin, bush = two_clusters
    cover = bush.cover_face
    face_services.face_assign(by=user, face=cover, person=putin)
    putin.refresh_from_db()
    bush.refresh_from_db()
    assert (putin.face_count, bush.face_count) == (5, 3)
    assert bush.cover_face_id not in (None, cover.pk)
    assert bush.cover_face.person_id == bush.pk


def test_assigning_to_a_person_lifts_not_this_person(two_clusters, user):
    putin, _ = two_clusters
    face = putin.faces.first()
    face_services.face_mark_not_person(by=user, face=face, person=putin)
    assert FaceNotPerson.objects.filter(face=face, person=putin).exists()
    face_services.face_assign(by=user, face=face, person=putin)
    assert not FaceNotPerson.objects.filter(face=face, person=putin).exists()


def test_hidden_people_keep_their_faces_through_reclustering(two_clusters, user):
    putin, _ = two_clusters
    faces = set(putin.faces.values_list("pk", flat=True))
    person_hide(by=user, person=putin)
    face_services.faces_cluster(owner=user)
    putin.refresh_from_db()
    assert putin.hidden
    assert set(putin.faces.values_list("pk", flat=True)) == faces
