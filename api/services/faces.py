"""Writes on faces: detecting them in a photo, recognising and clustering them, and the
user's corrections (assign, unassign, "this is not them").

Whatever a user set is final: faces with person_source "user", "not this person" records,
and people who are named, hidden, hold a user-set face or have a "not them" record are never
changed by recognition or clustering.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
from django.db import transaction
from django.db.models import Q
from PIL import Image

from api.exceptions import OwnPhotosError
from api.ingest import face_crops
from api.ml import clustering
from api.ml import faces as face_model
from api.models import Face, FaceNotPerson, Person, Photo, User
from api.selectors.people import face_get, person_get
from api.services.people import people_refresh
from api.services.steps import step_done, step_record

logger = logging.getLogger(__name__)

STEP = "faces"


def photo_detect_faces(*, photo: Photo) -> list[Face]:
    """Detect, encode and group the faces of one photo.

    Idempotent: returns the stored faces when this model version already ran on the photo.
    An unreadable image is recorded in `photo.steps["faces"]` and yields no faces.
    """
    if step_done(photo, STEP, face_model.MODEL_VERSION):
        return list(photo.faces.filter(model_version=face_model.MODEL_VERSION))
    try:
        image, display_size = face_model.load_photo_image(photo)
    except (OSError, ValueError, Image.DecompressionBombError, OwnPhotosError) as error:
        logger.warning("Faces of photo %s not detected: %s", photo.pk, error)
        _step_record(photo, state="failed", error=str(error))
        return []
    detected = face_model.detect_faces(image, display_size=display_size)
    boxes = _region_boxes(photo, display_size)
    unmatched = [
        box for _, box in boxes if all(_box_iou(box, found.box) < 0.5 for found in detected)
    ]
    if unmatched:
        # A face another app drew where the detector found none is a face of its own.
        detected += face_model.encode_regions(image, boxes=unmatched, display_size=display_size)
    faces = photo_store_faces(photo=photo, detected=detected)
    if faces:
        # Cut while the picture is decoded: the People page then only reads files.
        picture = Image.fromarray(image)
        for face in faces:
            face_crops.face_crop_ensure(face=face, image=picture, display_size=display_size)
    return faces


def photos_detect_faces(*, photo_ids: list[int]) -> int:
    """Detect the faces of these photos (those deleted meanwhile are nothing to do); returns
    how many photos were looked at."""
    photos = list(Photo.objects.filter(pk__in=photo_ids).select_related("owner").order_by("id"))
    for photo in photos:
        photo_detect_faces(photo=photo)
    return len(photos)


def _region_boxes(photo: Photo, display_size: tuple[int, int]) -> list[tuple[str, tuple]]:
    """The photo's named XMP regions as (name, pixel box in the displayed full photo)."""
    width, height = display_size
    boxes = []
    for region in photo.regions or []:
        top, right, bottom, left = region["box"]
        box = (round(top * height), round(right * width))
        box += (round(bottom * height), round(left * width))
        if box[2] > box[0] and box[1] > box[3]:
            boxes.append((region["name"], box))
    return boxes


def _hint_name(photo: Photo, faces: list[Face]) -> set[int]:
    """An imported person hint (a Takeout sidecar's people) names the photo's face when
    exactly one name and one face are left unassigned; otherwise it stays a searchable tag."""
    names = set((photo.imported or {}).get("people") or [])
    if not names:
        return set()
    taken = set(
        Person.objects.filter(faces__in=[face.pk for face in faces if face.person_id]).values_list(
            "name", flat=True
        )
    )
    names -= taken
    free = [face for face in faces if face.person_id is None and not face.person_source]
    if len(names) != 1 or len(free) != 1:
        return set()
    person = _person_named(photo.owner, names.pop())
    free[0].person_id, free[0].person_source, free[0].distance = person.pk, Face.Source.USER, None
    free[0].save(update_fields=["person", "person_source", "distance"])
    return {person.pk}


def _person_named(owner: User, name: str) -> Person:
    person = Person.objects.for_user(owner).filter(name=name).order_by("pk").first()
    return person or Person.objects.create(owner=owner, name=name)


def _regions_name(photo: Photo, faces: list[Face]) -> set[int]:
    """Give each named XMP region's person to the face it covers (IoU >= 0.5), as if the user
    had assigned it: clustering never moves it. Returns the people touched."""
    if not photo.regions or not photo.width or not photo.height:
        return set()
    touched = set()
    for name, box in _region_boxes(photo, (photo.width, photo.height)):
        best = max(faces, key=lambda face: _box_iou(box, face.box), default=None)
        if best is None or _box_iou(box, best.box) < 0.5 or best.person_source == Face.Source.USER:
            continue
        person = _person_named(photo.owner, name)
        best.person_id, best.person_source, best.distance = person.pk, Face.Source.USER, None
        best.save(update_fields=["person", "person_source", "distance"])
        touched.add(person.pk)
    return touched


def photo_store_faces(*, photo: Photo, detected: list[face_model.DetectedFace]) -> list[Face]:
    """Store what the detector found in `photo`, then recognise or cluster the new faces.

    Faces already stored by this model version are kept as they are (a rerun is a no-op).
    Faces of an older version are replaced; a user's assignment moves to the new face in
    the same place.
    """
    with transaction.atomic():
        # The photo's row lock makes a queued task and `scan --wait` store its faces once.
        list(Photo.objects.select_for_update().filter(pk=photo.pk).values_list("pk"))
        current = list(photo.faces.filter(model_version=face_model.MODEL_VERSION))
        if current:
            _step_record(photo, state="done", error="")
            return current
        stale = list(photo.faces.all())
        faces = Face.objects.bulk_create(
            [
                Face(
                    photo=photo,
                    top=found.box[0],
                    right=found.box[1],
                    bottom=found.box[2],
                    left=found.box[3],
                    encoding=face_model.encoding_to_bytes(found.encoding),
                    detector=found.detector,
                    model_version=face_model.MODEL_VERSION,
                )
                for found in detected
            ]
        )
        _user_labels_carry(stale, faces)
        named = _regions_name(photo, faces) | _hint_name(photo, faces)
        Face.objects.filter(pk__in=[face.pk for face in stale]).delete()
        face_crops.face_crops_delete(photo=photo, face_ids=[face.pk for face in stale])
        people_refresh(person_ids=({face.person_id for face in stale} | named) - {None})
        _step_record(photo, state="done", error="")
        if faces:
            faces_group(owner=photo.owner, faces=faces)
    return faces


def _user_labels_carry(stale: list[Face], faces: list[Face]) -> None:
    """Give each new face the user's person of an old face that covers the same place."""
    for old in stale:
        if old.person_source != Face.Source.USER:
            continue
        best = max(faces, key=lambda face: _overlap(old, face), default=None)
        if best is None or _overlap(old, best) < 0.5 or best.person_source:
            continue
        best.person_id, best.person_source = old.person_id, Face.Source.USER
        best.save(update_fields=["person", "person_source"])
        FaceNotPerson.objects.filter(face=old).update(face=best)


def _overlap(a: Face, b: Face) -> float:
    """Intersection over union of two face boxes."""
    return _box_iou(a.box, b.box)


def _box_iou(a, b) -> float:
    """Intersection over union of two (top, right, bottom, left) boxes."""
    width = min(a[1], b[1]) - max(a[3], b[3])
    height = min(a[2], b[2]) - max(a[0], b[0])
    if width <= 0 or height <= 0:
        return 0.0
    union = (a[2] - a[0]) * (a[1] - a[3]) + (b[2] - b[0]) * (b[1] - b[3]) - width * height
    return width * height / union


def _step_record(photo: Photo, *, state: str, error: str) -> None:
    step_record(photo=photo, step=STEP, state=state, version=face_model.MODEL_VERSION, error=error)


class _Known:
    """Encodings of the faces already in people, with what matching needs to respect."""

    def __init__(self, faces: Iterable[tuple[int, int, int, bytes]]) -> None:
        rows = list(faces)
        self.face_ids = np.array([row[0] for row in rows], dtype=np.int64)
        self.photo_ids = np.array([row[1] for row in rows], dtype=np.int64)
        self.person_ids = np.array([row[2] for row in rows], dtype=np.int64)
        self.encodings = face_model.encodings_from_bytes([row[3] for row in rows])
        # A person appears at most once per photo.
        self.occupied = set(zip(self.person_ids.tolist(), self.photo_ids.tolist(), strict=True))


def _known(owner: User, people: Q) -> _Known:
    return _Known(
        Face.objects.for_user(owner)
        .filter(person__isnull=False)
        .filter(people)
        .values_list("pk", "photo_id", "person_id", "encoding")
    )


def _forbidden(face_ids: Iterable[int]) -> dict[int, set[int]]:
    forbidden: dict[int, set[int]] = defaultdict(set)
    for face_id, person_id in FaceNotPerson.objects.filter(face_id__in=list(face_ids)).values_list(
        "face_id", "person_id"
    ):
        forbidden[face_id].add(person_id)
    return forbidden


def _match(
    faces: list[Face],
    encodings: np.ndarray,
    known: _Known,
    *,
    threshold: float,
    forbidden: dict[int, set[int]],
) -> dict[int, tuple[int, float]]:
    """Face id -> (person id, distance) for faces whose nearest allowed face is close enough.

    Allowed: not a person the face was marked "not" for, and not a person already in the
    face's photo. Closest pairs are placed first, so two faces of one photo never share a
    person.
    """
    if not len(known.face_ids) or not faces:
        return {}
    distances, positions = clustering.nearest(encodings, known.encodings, k=20)
    candidates = []
    for row, face in enumerate(faces):
        for distance, position in zip(distances[row], positions[row], strict=True):
            if distance > threshold:
                break
            person_id = int(known.person_ids[position])
            if person_id in forbidden.get(face.pk, ()):
                continue
            if (person_id, face.photo_id) in known.occupied:
                continue
            candidates.append((float(distance), face.pk, face.photo_id, person_id))
            break
    matched: dict[int, tuple[int, float]] = {}
    taken = set(known.occupied)
    for distance, face_id, photo_id, person_id in sorted(candidates):
        if (person_id, photo_id) in taken:
            continue
        taken.add((person_id, photo_id))
        matched[face_id] = (person_id, distance)
    return matched


def _protected_people(owner: User) -> set[int]:
    return set(Person.objects.for_user(owner).protected().values_list("pk", flat=True))


def faces_group(*, owner: User, faces: list[Face]) -> None:
    """Place new faces: recognise named people, join unnamed clusters, or start new clusters.

    Incremental: only the given faces and the unknown faces near them are looked at.
    """
    with transaction.atomic():
        # One grouping at a time per user: two photos processed at once could each start
        # a cluster for the same new person.
        User.objects.select_for_update().filter(pk=owner.pk).first()
        faces = [face for face in faces if face.person_id is None and not face.person_source]
        if not faces:
            return
        encodings = face_model.encodings_from_bytes([face.encoding for face in faces])
        forbidden = _forbidden(face.pk for face in faces)
        touched: set[int] = set()

        named = _known(owner, Q(person__name__isnull=False) | Q(person__hidden=True))
        recognised = _match(
            faces,
            encodings,
            named,
            threshold=clustering.RECOGNITION_DISTANCE,
            forbidden=forbidden,
        )
        clustered = _known(owner, Q(person__name__isnull=True, person__hidden=False))
        remaining = [i for i, face in enumerate(faces) if face.pk not in recognised]
        joined = _match(
            [faces[i] for i in remaining],
            encodings[remaining],
            clustered,
            threshold=clustering.CLUSTER_EPS,
            forbidden=forbidden,
        )
        for face in faces:
            if face.pk in recognised:
                face.person_id, face.distance = recognised[face.pk]
                face.person_source = Face.Source.RECOGNISED
            elif face.pk in joined:
                face.person_id, face.distance = joined[face.pk]
                face.person_source = Face.Source.CLUSTERED
            touched.add(face.person_id)
        Face.objects.bulk_update(faces, ["person", "person_source", "distance"])

        leftovers = [face for face in faces if face.person_id is None]
        if leftovers:
            touched |= _cluster_leftovers(owner, leftovers)
        people_refresh(person_ids=touched - {None})


def _cluster_leftovers(owner: User, leftovers: list[Face]) -> set[int]:
    """Cluster the new unplaced faces with the unknown faces around them into new people."""
    unknown = list(
        Face.objects.for_user(owner)
        .unknown()
        .exclude(person_source=Face.Source.USER)
        .exclude(pk__in=[face.pk for face in leftovers])
        .only("pk", "photo_id", "encoding")
    )
    new_encodings = face_model.encodings_from_bytes([face.encoding for face in leftovers])
    if unknown:
        unknown_encodings = face_model.encodings_from_bytes([face.encoding for face in unknown])
        near = np.zeros(len(unknown), dtype=bool)
        for start in range(0, len(leftovers), 512):
            block = clustering.pairwise_distances(
                new_encodings[start : start + 512], unknown_encodings
            )
            near |= (block <= clustering.CLUSTER_EPS).any(0)
        neighbours = [face for face, is_near in zip(unknown, near, strict=True) if is_near]
        candidates = leftovers + neighbours
        encodings = np.concatenate([new_encodings, unknown_encodings[near]])
    else:
        candidates, encodings = leftovers, new_encodings
    labels = clustering.cluster_encodings(encodings)
    created = set()
    new_ids = {face.pk for face in leftovers}
    for label in set(labels.tolist()) - {-1}:
        members = np.flatnonzero(labels == label)
        if not any(candidates[i].pk in new_ids for i in members):
            continue
        members = _one_per_photo(members, candidates, encodings)
        if len(members) < clustering.CLUSTER_MIN_SAMPLES:
            continue
        person = Person.objects.create(owner=owner)
        created.add(person.pk)
        _place(person.pk, [candidates[i] for i in members], encodings[members])
    return created


def _one_per_photo(members: np.ndarray, faces: list[Face], encodings: np.ndarray) -> np.ndarray:
    """Keep, of several faces from one photo, the one nearest the cluster's centre."""
    centre = encodings[members].mean(0)
    distance = np.linalg.norm(encodings[members] - centre, axis=1)
    best: dict[int, int] = {}
    for position in np.argsort(distance, kind="stable"):
        best.setdefault(faces[members[position]].photo_id, int(members[position]))
    return np.array(sorted(best.values()), dtype=int)


def _place(person_id: int, faces: list[Face], encodings: np.ndarray) -> None:
    """Put clustered faces in a person, each with its distance to the nearest other member."""
    distances = clustering.pairwise_distances(encodings, encodings)
    np.fill_diagonal(distances, np.inf)
    for face, row in zip(faces, distances, strict=True):
        face.person_id = person_id
        face.person_source = Face.Source.CLUSTERED
        face.distance = float(row.min()) if np.isfinite(row.min()) else None
    Face.objects.bulk_update(faces, ["person", "person_source", "distance"], batch_size=1000)


def faces_cluster(*, owner: User) -> dict[str, int]:
    """Re-cluster from scratch every face that no user decision pins down.

    Named, hidden and user-touched people keep all their faces; user-set faces and "not this
    person" records are respected. New clusters reuse the id of the unnamed person they
    overlap most, so links to a cluster survive a re-run.
    """
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=owner.pk).first()
        protected = _protected_people(owner)
        movable = list(
            Face.objects.for_user(owner)
            .exclude(person_source=Face.Source.USER)
            .filter(Q(person__isnull=True) | ~Q(person_id__in=protected))
            .only("pk", "photo_id", "person_id", "encoding")
        )
        previous = {face.pk: face.person_id for face in movable}
        encodings = face_model.encodings_from_bytes([face.encoding for face in movable])
        forbidden = _forbidden(previous)

        named = _known(
            owner,
            Q(person_id__in=protected) & (Q(person__name__isnull=False) | Q(person__hidden=True)),
        )
        recognised = _match(
            movable,
            encodings,
            named,
            threshold=clustering.RECOGNITION_DISTANCE,
            forbidden=forbidden,
        )
        for face in movable:
            face.person_id, face.person_source, face.distance = None, "", None
            if face.pk in recognised:
                face.person_id, face.distance = recognised[face.pk]
                face.person_source = Face.Source.RECOGNISED
        rest = [i for i, face in enumerate(movable) if face.pk not in recognised]
        labels = clustering.cluster_encodings(encodings[rest])

        old_people = set(
            Person.objects.for_user(owner).exclude(pk__in=protected).values_list("pk", flat=True)
        )
        reused: set[int] = set()
        clusters = 0
        for label in _largest_first(labels):
            members = np.array(rest)[labels == label]
            members = _one_per_photo(members, movable, encodings)
            person_id = _previous_person(members, movable, previous, old_people - reused)
            members = np.array(
                [i for i in members if person_id not in forbidden.get(movable[i].pk, ())], dtype=int
            )
            if len(members) < clustering.CLUSTER_MIN_SAMPLES:
                continue
            if person_id is None:
                person_id = Person.objects.create(owner=owner).pk
            reused.add(person_id)
            faces = [movable[i] for i in members]
            clusters += 1
            for face in faces:
                face.person_id = person_id
            _place(person_id, faces, encodings[members])
        Face.objects.bulk_update(movable, ["person", "person_source", "distance"], batch_size=1000)
        Person.objects.filter(pk__in=old_people - reused).delete()
        people_refresh(person_ids=reused | {face.person_id for face in movable if face.person_id})
    return {
        "faces": len(movable),
        "recognised": len(recognised),
        "clusters": clusters,
        "unknown": sum(1 for face in movable if face.person_id is None),
    }


def _largest_first(labels: np.ndarray) -> list[int]:
    values, counts = np.unique(labels[labels >= 0], return_counts=True)
    return [int(v) for v in values[np.argsort(-counts, kind="stable")]]


def _previous_person(
    members: np.ndarray, faces: list[Face], previous: dict[int, int | None], free: set[int]
) -> int | None:
    votes: dict[int, int] = defaultdict(int)
    for i in members:
        person_id = previous.get(faces[i].pk)
        if person_id in free:
            votes[person_id] += 1
    return max(votes, key=lambda p: (votes[p], -p)) if votes else None


def face_assign(*, by: User, face: Face | int, person: Person | int) -> Face:
    """The user says this face is `person`: final, and lifts any "not them" for that person."""
    with transaction.atomic():
        face = face_get(by=by, face=face)
        person = person_get(by=by, person=person)
        old = face.person_id
        face.person_id, face.person_source, face.distance = person.pk, Face.Source.USER, None
        face.save(update_fields=["person", "person_source", "distance"])
        FaceNotPerson.objects.filter(face=face, person=person).delete()
        people_refresh(person_ids={old, person.pk} - {None})
    return face


def face_name(*, by: User, face: Face | int, name: str) -> Face:
    """The user names this face: it goes to their person of that name (any case), made for
    it when there is none. Final, as an assignment is: clustering never moves it."""
    name = name.strip()
    if not name:
        raise OwnPhotosError("A name cannot be empty.")
    with transaction.atomic():
        face = face_get(by=by, face=face)
        person = Person.objects.for_user(by).filter(name__iexact=name).order_by(
            "pk"
        ).first() or Person.objects.create(owner=by, name=name)
    return face_assign(by=by, face=face, person=person)


def face_unassign(*, by: User, face: Face | int) -> Face:
    """The user takes the face out of its person; clustering leaves it alone from now on."""
    with transaction.atomic():
        face = face_get(by=by, face=face)
        old = face.person_id
        face.person_id, face.person_source, face.distance = None, Face.Source.USER, None
        face.save(update_fields=["person", "person_source", "distance"])
        people_refresh(person_ids={old} - {None})
    return face


def face_mark_not_person(*, by: User, face: Face | int, person: Person | int) -> Face:
    """The user says this face is not `person`: it leaves them and never goes back by itself."""
    with transaction.atomic():
        face = face_get(by=by, face=face)
        person = person_get(by=by, person=person)
        FaceNotPerson.objects.get_or_create(face=face, person=person)
        if face.person_id == person.pk:
            face.person_id, face.person_source, face.distance = None, "", None
            face.save(update_fields=["person", "person_source", "distance"])
            people_refresh(person_ids={person.pk})
    return face
