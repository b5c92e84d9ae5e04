"""Writes on people: naming, hiding and merging, and keeping their face counts and covers."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from api.exceptions import OwnPhotosError
from api.models import Face, FaceNotPerson, Person, User
from api.selectors.people import person_get


def people_refresh(*, person_ids: Iterable[int]) -> None:
    """Recount faces and pick a cover for each person, after faces moved in or out.

    The cover stays while it is still one of the person's faces; otherwise the user-set, then
    the closest-matching, then the largest face becomes the cover.
    """
    for person in Person.objects.filter(pk__in=set(person_ids)):
        faces = person.faces.all()
        person.face_count = faces.count()
        if person.cover_face_id is None or not faces.filter(pk=person.cover_face_id).exists():
            cover = (
                faces.annotate(
                    user_set=Case(
                        When(person_source=Face.Source.USER, then=Value(0)),
                        default=Value(1),
                        output_field=IntegerField(),
                    ),
                    area=(F("bottom") - F("top")) * (F("right") - F("left")),
                )
                .order_by("user_set", F("distance").asc(nulls_last=True), "-area", "pk")
                .first()
            )
            person.cover_face = cover
        person.save(update_fields=["face_count", "cover_face", "updated_at"])


def person_rename(*, by: User, person: Person | int, name: str) -> Person:
    """Name a person; for an unnamed cluster this names every face in it at once."""
    person = person_get(by=by, person=person)
    name = name.strip()
    if not name:
        raise OwnPhotosError("A name cannot be empty.")
    person.name = name
    person.save(update_fields=["name", "updated_at"])
    return person


def person_hide(*, by: User, person: Person | int, hidden: bool = True) -> Person:
    """Hide someone from the people list; their faces stay theirs and clustering keeps off."""
    person = person_get(by=by, person=person)
    person.hidden = hidden
    person.save(update_fields=["hidden", "updated_at"])
    return person


def person_set_cover(*, by: User, person: Person | int, face: Face | int) -> Person:
    """Show `face` as the person's cover; it must be one of their faces. Recounting keeps it
    while the face stays theirs."""
    person = person_get(by=by, person=person)
    face_id = getattr(face, "pk", face)
    if not person.faces.filter(pk=face_id).exists():
        raise OwnPhotosError(f"Face {face_id} is not one of this person's faces.")
    person.cover_face_id = face_id
    person.save(update_fields=["cover_face", "updated_at"])
    return person


def person_merge(*, by: User, person: Person | int, into: Person | int) -> Person:
    """Move every face of `person` into `into` and delete `person`.

    Both are looked up among `by`'s people, so another user's person is a NotFound. The moved
    faces count as set by the user, so re-clustering keeps the merge.
    """
    with transaction.atomic():
        person = person_get(by=by, person=person)
        into = person_get(by=by, person=into)
        if person.pk == into.pk:
            raise OwnPhotosError("A person cannot be merged into themselves.")
        moved = list(person.faces.values_list("pk", flat=True))
        Face.objects.filter(pk__in=moved).update(
            person=into, person_source=Face.Source.USER, distance=None
        )
        # "Not this person" about the merged person now holds for the one they became, unless
        # the face is in that person now.
        already = set(FaceNotPerson.objects.filter(person=into).values_list("face_id", flat=True))
        FaceNotPerson.objects.filter(person=person).exclude(face_id__in=already).exclude(
            face_id__in=moved
        ).exclude(face__person=into).update(person=into)
        FaceNotPerson.objects.filter(person=into, face_id__in=moved).delete()
        if into.name is None and person.name is not None:
            into.name = person.name
            into.save(update_fields=["name", "updated_at"])
        person.delete()
        people_refresh(person_ids=[into.pk])
        into.refresh_from_db()
    return into
