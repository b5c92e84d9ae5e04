"""Writes a user makes on a photo, or on a selection of them at once: favourite, hidden,
rating, caption, trash."""

from django.db import transaction
from django.utils import timezone

from api.exceptions import UnknownPhotos
from api.models import Photo, User

_EDITABLE = ("favorite", "hidden", "rating", "caption")


def photo_update(
    *,
    photo: Photo,
    by: User,
    favorite: bool | None = None,
    hidden: bool | None = None,
    rating: int | None = None,
    caption: str | None = None,
    in_trash: bool | None = None,
) -> Photo:
    """Apply the given changes; None leaves a field as it is.

    Moving to the trash stamps `trashed_at` (for later purging); restoring clears it. The photo
    is re-read through `by`'s photos, so another user's photo raises Photo.DoesNotExist.
    """
    photo = Photo.objects.for_user(by).get(pk=photo.pk)
    changes = {"favorite": favorite, "hidden": hidden, "rating": rating, "caption": caption}
    fields = [name for name in _EDITABLE if changes[name] is not None]
    for name in fields:
        setattr(photo, name, changes[name])
    if in_trash is not None and in_trash != photo.in_trash:
        photo.in_trash = in_trash
        photo.trashed_at = timezone.now() if in_trash else None
        fields += ["in_trash", "trashed_at"]
    if fields:
        photo.save(update_fields=[*fields, "updated_at"])
    return photo


# What each bulk action sets, and the rows it leaves alone because they are already so.
_BULK = {
    "favorite": ({"favorite": True}, {"favorite": True}),
    "unfavorite": ({"favorite": False}, {"favorite": False}),
    "hide": ({"hidden": True}, {"hidden": True}),
    "unhide": ({"hidden": False}, {"hidden": False}),
    "trash": ({"in_trash": True}, {"in_trash": True}),
    "restore": ({"in_trash": False, "trashed_at": None}, {"in_trash": False}),
}
BULK_ACTIONS = tuple(_BULK)


@transaction.atomic
def photos_bulk_update(*, by: User, ids: list[int], action: str) -> int:
    """Apply one of BULK_ACTIONS to `by`'s photos `ids` in one transaction and one UPDATE;
    returns how many photos changed (those already so are left as they are, so a trashed
    photo keeps its `trashed_at`). Raises UnknownPhotos, changing nothing, when any id is not
    one of `by`'s photos."""
    wanted = set(ids)
    photos = Photo.objects.for_user(by).filter(pk__in=wanted)
    found = set(photos.select_for_update().values_list("pk", flat=True))
    if unknown := sorted(wanted - found):
        raise UnknownPhotos(unknown)
    changes, already = _BULK[action]
    now = timezone.now()
    if action == "trash":
        changes = {**changes, "trashed_at": now}
    return photos.exclude(**already).update(**changes, updated_at=now)
