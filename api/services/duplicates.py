"""Resolving a group of near duplicates: one copy stays, the others go to the trash, and
what the user attached to them follows the kept copy."""

from django.apps import apps
from django.db import transaction

from api.exceptions import NotFound, OwnPhotosError
from api.models import Photo, User
from api.services.photos import photo_update


def duplicates_resolve(*, owner: User, keep: int, others: list[int]) -> Photo:
    """Keep photo `keep`, move `others` to the trash (restorable). The kept photo becomes a
    favourite if any copy was, takes the highest rating and the first caption it lacks, and
    joins every album a trashed copy was in (when albums exist). Another user's photo or an
    unknown id raises NotFound and changes nothing."""
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
        for copy in copies:
            photo_update(photo=copy, by=owner, in_trash=True)
    return Photo.objects.get(pk=keep)


def _albums_follow(kept: Photo, copies: list[Photo]) -> None:
    try:
        membership = apps.get_model("api", "AlbumPhoto")
    except LookupError:
        return
    present = set(membership.objects.filter(photo=kept).values_list("album_id", flat=True))
    for row in membership.objects.filter(photo__in=copies).order_by("id"):
        if row.album_id not in present:
            membership.objects.create(album_id=row.album_id, photo=kept, order=row.order)
            present.add(row.album_id)
