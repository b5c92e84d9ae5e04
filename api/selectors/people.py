"""Reads on people and faces, each starting from what the acting user owns."""

import io
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from django.db.models import F, Q, QuerySet
from PIL import Image

from api.exceptions import NotFound
from api.ingest.thumbnails import thumbnail_path
from api.ml import clustering
from api.ml import faces as face_model
from api.models import Face, FaceNotPerson, Person, User

# Suggestions further than this from every face of a person are noise, not a guess.
SUGGEST_MAX_DISTANCE = 0.7
# Nearest faces looked at per face in review: enough to reach a few distinct people.
_SUGGEST_NEIGHBOURS = 50

# A crop shows the face with this much of its size around it, at most this many pixels.
CROP_MARGIN = 0.3
CROP_MAX_SIDE = 256


def person_get(*, by: User, person: Person | int) -> Person:
    """`by`'s person with that id; anyone else's is a NotFound, like a missing one."""
    found = Person.objects.for_user(by).filter(pk=getattr(person, "pk", person)).first()
    if found is None:
        raise NotFound("No such person.")
    return found


def face_get(*, by: User, face: Face | int) -> Face:
    """`by`'s face with that id; anyone else's is a NotFound, like a missing one."""
    found = Face.objects.for_user(by).filter(pk=getattr(face, "pk", face)).first()
    if found is None:
        raise NotFound("No such face.")
    return found


def people_list(qs: QuerySet[Person]) -> QuerySet[Person]:
    """Named people (by name), then unnamed clusters, biggest first; a cluster emptied by
    the user's corrections is left out, a named person never."""
    return qs.filter(Q(face_count__gt=0) | Q(name__isnull=False)).order_by(
        F("name").asc(nulls_last=True), "-face_count", "pk"
    )


def face_crop_jpeg(*, face: Face) -> bytes:
    """The face with some margin, as a JPEG of at most CROP_MAX_SIDE pixels.

    Cut from the big thumbnail, decoded at the smallest JPEG scale that still gives the crop
    CROP_MAX_SIDE pixels (a People page asks for dozens at once); until the thumbnail exists,
    from the photo's file.
    """
    photo = face.photo
    big = thumbnail_path(photo=photo, size="big")
    if photo.width and photo.height and big.exists():
        with Image.open(big) as image:
            full = image.size
            side = max(face.right - face.left, face.bottom - face.top) * (1 + 2 * CROP_MARGIN)
            reduce = max(1, int(side * full[0] / photo.width // CROP_MAX_SIDE))
            image.draft("RGB", (full[0] // reduce, full[1] // reduce))
            crop = _crop(image, face, (photo.width, photo.height))
    else:
        array, size = face_model.load_photo_image(photo)
        crop = _crop(Image.fromarray(array), face, size)
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=90)
    return out.getvalue()


def _crop(image: Image.Image, face: Face, size: tuple[int, int]) -> Image.Image:
    """The face's box (in displayed pixels of a photo of `size`) and its margin, cut from
    `image` (the photo at any scale) and fitted in CROP_MAX_SIDE."""
    scale_x, scale_y = image.width / size[0], image.height / size[1]
    margin_x = (face.right - face.left) * CROP_MARGIN
    margin_y = (face.bottom - face.top) * CROP_MARGIN
    box = (
        max(0, round((face.left - margin_x) * scale_x)),
        max(0, round((face.top - margin_y) * scale_y)),
        min(image.width, round((face.right + margin_x) * scale_x)),
        min(image.height, round((face.bottom + margin_y) * scale_y)),
    )
    crop = image.crop(box).convert("RGB")
    crop.thumbnail((CROP_MAX_SIDE, CROP_MAX_SIDE), Image.Resampling.LANCZOS)
    return crop


@dataclass(frozen=True)
class Suggestion:
    person: int
    name: str | None
    distance: float
    cover_url: str | None


@dataclass(frozen=True)
class ReviewFace:
    id: int
    photo: int
    box: list[int]
    crop_url: str
    suggestions: list[Suggestion]


def faces_review(
    *, by: User, offset: int = 0, limit: int = 20, per_face: int = 3
) -> tuple[int, list[ReviewFace]]:
    """ "Who is this?": `by`'s faces in no person (newest photos first), each with the visible
    people whose faces are nearest, closest first. A person the face was marked "not" for, or
    one already in the face's photo, is never suggested. Returns (count of such faces, page).
    """
    queue = Face.objects.for_user(by).unknown().filter(photo__in_trash=False)
    count = queue.count()
    page = list(
        queue.order_by("-photo__taken_at", "-photo_id", "pk").only(
            "pk", "photo_id", "top", "right", "bottom", "left", "encoding"
        )[offset : offset + limit]
    )
    if not page:
        return count, []
    known = list(
        Face.objects.for_user(by)
        .filter(person__isnull=False, person__hidden=False)
        .values_list("photo_id", "person_id", "encoding")
    )
    forbidden: dict[int, set[int]] = defaultdict(set)
    for face_id, person_id in FaceNotPerson.objects.filter(
        face_id__in=[face.pk for face in page]
    ).values_list("face_id", "person_id"):
        forbidden[face_id].add(person_id)
    occupied = {(person_id, photo_id) for photo_id, person_id, _ in known}
    distances, positions = clustering.nearest(
        face_model.encodings_from_bytes([face.encoding for face in page]),
        face_model.encodings_from_bytes([row[2] for row in known]) if known else np.empty((0, 128)),
        k=_SUGGEST_NEIGHBOURS,
    )
    chosen: list[list[tuple[int, float]]] = []
    for row, face in enumerate(page):
        best: dict[int, float] = {}
        for distance, position in zip(distances[row], positions[row], strict=True):
            person_id = known[position][1]
            if distance > SUGGEST_MAX_DISTANCE or len(best) == per_face:
                break
            if person_id in forbidden[face.pk] or (person_id, face.photo_id) in occupied:
                continue
            best.setdefault(person_id, float(distance))
        chosen.append(list(best.items()))
    people = Person.objects.in_bulk({pk for picks in chosen for pk, _ in picks})
    return count, [
        ReviewFace(
            id=face.pk,
            photo=face.photo_id,
            box=face.box,
            crop_url=f"/api/faces/{face.pk}/crop/",
            suggestions=[
                Suggestion(
                    person=pk,
                    name=people[pk].name,
                    distance=round(distance, 4),
                    cover_url=(
                        f"/api/faces/{people[pk].cover_face_id}/crop/"
                        if people[pk].cover_face_id
                        else None
                    ),
                )
                for pk, distance in picks
            ],
        )
        for face, picks in zip(page, chosen, strict=True)
    ]
