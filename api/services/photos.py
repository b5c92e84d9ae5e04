"""Writes a user makes on a photo: favourite, hidden, rating, caption, trash."""

from django.utils import timezone

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
