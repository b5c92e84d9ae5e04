"""Reads on people and faces, each starting from what the acting user owns."""

import io

from django.db.models import F, Q, QuerySet
from PIL import Image

from api.exceptions import NotFound
from api.ml import faces as face_model
from api.models import Face, Person, User

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
    """The face with some margin, as a JPEG of at most CROP_MAX_SIDE pixels."""
    image, (width, height) = face_model.load_photo_image(face.photo)
    scale_x, scale_y = image.shape[1] / width, image.shape[0] / height
    margin_x = (face.right - face.left) * CROP_MARGIN
    margin_y = (face.bottom - face.top) * CROP_MARGIN
    box = (
        max(0, round((face.left - margin_x) * scale_x)),
        max(0, round((face.top - margin_y) * scale_y)),
        min(image.shape[1], round((face.right + margin_x) * scale_x)),
        min(image.shape[0], round((face.bottom + margin_y) * scale_y)),
    )
    crop = Image.fromarray(image).crop(box)
    crop.thumbnail((CROP_MAX_SIDE, CROP_MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    crop.save(out, format="JPEG", quality=90)
    return out.getvalue()
