"""Resolving a group of near duplicates: one copy stays, the others go to the trash, and
what the user attached to them follows the kept copy."""

from django.db import transaction

from api.exceptions import NotFound, OwnPhotosError
from api.models import AlbumPhoto, Face, Photo, User
from api.services.faces import face_assign
from api.services.photos import photo_update

# Two boxes are the same face when they overlap this much (intersection over union).
SAME_FACE_IOU = 0.5


def duplicates_resolve(*, owner: User, keep: int, others: list[int]) -> Photo:
    """Keep photo `keep`, move `others` to the trash (restorable). The kept photo becomes a
    favourite if any copy was, takes the highest rating and the first caption it lacks, joins
    every album a trashed copy was in, and its faces take the people named on the same faces
    of the copies. Another user's photo or an unknown id raises NotFound and changes
    nothing."""
    others = [pk for pk in dict.fromkeys(others) if pk != keep]
    if not others:
        raise OwnPhotosError("give the copies to trash besides the one to keep")
    with transaction.atomic():
        photos = {
            photo.pk: photo
            for photo in Photo.objects.for_user(owner)
            .select_for_update()
            .filter(pk__in=[keep, *others])
        }
        if len(photos) != len(others) + 1:
            raise NotFound("No such photo.")
        kept, copies = photos[keep], [photos[pk] for pk in others]
        caption = kept.caption or next((copy.caption for copy in copies if copy.caption), "")
        photo_update(
            photo=kept,
            by=owner,
            favorite=kept.favorite or any(copy.favorite for copy in copies),
            rating=max([kept.rating, *(copy.rating for copy in copies)]),
            caption=caption,
        )
        _albums_follow(kept, copies)
        _people_follow(owner, kept, copies)
        for copy in copies:
            photo_update(photo=copy, by=owner, in_trash=True)
    return Photo.objects.get(pk=keep)


def _albums_follow(kept: Photo, copies: list[Photo]) -> None:
    present = set(AlbumPhoto.objects.filter(photo=kept).values_list("album_id", flat=True))
    for row in AlbumPhoto.objects.filter(photo__in=copies).order_by("id"):
        if row.album_id not in present:
            AlbumPhoto.objects.create(album_id=row.album_id, photo=kept, order=row.order)
            present.add(row.album_id)


def _people_follow(owner: User, kept: Photo, copies: list[Photo]) -> None:
    """A person the user set on a copy's face is set on the kept photo's face in the same
    place, unless the user labelled that one too (boxes compared in fractions of each photo's
    displayed size)."""
    free = list(kept.faces.exclude(person_source=Face.Source.USER))
    for copy in copies:
        for labelled in copy.faces.filter(person_source=Face.Source.USER).order_by("id"):
            match = max(free, key=lambda face: _iou(face, kept, labelled, copy), default=None)
            if match is not None and _iou(match, kept, labelled, copy) >= SAME_FACE_IOU:
                face_assign(by=owner, face=match, person=labelled.person_id)
                free.remove(match)


def _iou(a: Face, photo_a: Photo, b: Face, photo_b: Photo) -> float:
    def box(face: Face, photo: Photo) -> tuple[float, float, float, float]:
        width, height = photo.width or 1, photo.height or 1
        return face.left / width, face.top / height, face.right / width, face.bottom / height

    (l1, t1, r1, b1), (l2, t2, r2, b2) = box(a, photo_a), box(b, photo_b)
    inter = max(0.0, min(r1, r2) - max(l1, l2)) * max(0.0, min(b1, b2) - max(t1, t2))
    union = (r1 - l1) * (b1 - t1) + (r2 - l2) * (b2 - t2) - inter
    return inter / union if union > 0 else 0.0
