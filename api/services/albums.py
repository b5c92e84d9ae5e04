"""Albums: create, change, fill, share. Every write starts from the acting user's own albums
and photos, so ids in a request body can never reach someone else's."""

import datetime as dt
import secrets

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from api.exceptions import NotFound, OwnPhotosError, UnknownPhotos, UnknownUser
from api.models import Album, AlbumLink, AlbumPhoto, AlbumShare, Photo, User

TOKEN_BYTES = 32


def _own_album(*, by: User, album: Album) -> Album:
    try:
        return Album.objects.for_user(by).select_for_update().get(pk=album.pk)
    except Album.DoesNotExist as exc:
        raise NotFound("No such album.") from exc


def _own_photo_ids(*, by: User, photo_ids: list[int]) -> list[int]:
    """`photo_ids` without repeats, in the given order; raises UnknownPhotos naming every id
    that is not one of `by`'s photos."""
    wanted = list(dict.fromkeys(photo_ids))
    found = set(Photo.objects.for_user(by).filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = [pk for pk in wanted if pk not in found]
    if unknown:
        raise UnknownPhotos(unknown)
    return wanted


def _edited(album: Album) -> list[str]:
    """An event the user changes keeps its title and members when events are regenerated."""
    if album.kind == Album.Kind.EVENT and not album.edited_by_user:
        album.edited_by_user = True
        return ["edited_by_user"]
    return []


@transaction.atomic
def album_create(*, by: User, title: str, photo_ids: list[int] | None = None) -> Album:
    """A new user album of `by`, holding `photo_ids` (all `by`'s, or UnknownPhotos)."""
    ids = _own_photo_ids(by=by, photo_ids=photo_ids or [])
    album = Album.objects.create(owner=by, title=title, kind=Album.Kind.USER)
    AlbumPhoto.objects.bulk_create(
        AlbumPhoto(album=album, photo_id=pk, order=i) for i, pk in enumerate(ids)
    )
    return album


@transaction.atomic
def album_update(
    *,
    by: User,
    album: Album,
    title: str | None = None,
    photo_ids: list[int] | None = None,
    cover_id: int | None = None,
    clear_cover: bool = False,
    sort: str | None = None,
) -> Album:
    """Change what is given; None leaves it. `photo_ids` replaces the members, in that order
    (kept memberships keep their `added_at`). The cover must be a member of the album."""
    album = _own_album(by=by, album=album)
    if title is not None:
        album.title = title
    if sort is not None:
        album.sort = sort
    if photo_ids is not None:
        ids = _own_photo_ids(by=by, photo_ids=photo_ids)
        album.memberships.exclude(photo_id__in=ids).delete()
        kept = {m.photo_id: m for m in album.memberships.all()}
        for order, pk in enumerate(ids):
            if pk in kept:
                kept[pk].order = order
        AlbumPhoto.objects.bulk_update(kept.values(), ["order"])
        AlbumPhoto.objects.bulk_create(
            AlbumPhoto(album=album, photo_id=pk, order=order)
            for order, pk in enumerate(ids)
            if pk not in kept
        )
        if album.cover_id not in ids:
            album.cover = None
    if clear_cover:
        album.cover = None
    elif cover_id is not None:
        if not album.memberships.filter(photo_id=cover_id).exists():
            raise UnknownPhotos([cover_id])
        album.cover_id = cover_id
    if clear_cover or any(v is not None for v in (title, sort, photo_ids, cover_id)):
        _edited(album)
    album.save()
    return album


@transaction.atomic
def album_delete(*, by: User, album: Album) -> None:
    """The album goes; its photos stay in the library. A deleted event is only dismissed:
    unseen and unshared, it keeps its photos so that regrouping does not make it again."""
    album = _own_album(by=by, album=album)
    if album.kind != Album.Kind.EVENT:
        album.delete()
        return
    album.shares.all().delete()
    AlbumLink.objects.filter(album=album).delete()
    album.dismissed = album.edited_by_user = True
    album.save(update_fields=["dismissed", "edited_by_user", "updated_at"])


@transaction.atomic
def album_merge(*, by: User, album: Album, into: int) -> Album:
    """Append `album`'s photos to `by`'s album `into`, then delete `album` (an event is only
    dismissed, as album_delete does). Returns `into`."""
    source = _own_album(by=by, album=album)
    target = _own_album(by=by, album=Album(pk=into))
    if source.pk == target.pk:
        raise OwnPhotosError("An album cannot be merged into itself.")
    ids = list(source.memberships.order_by("order", "id").values_list("photo_id", flat=True))
    if ids:
        album_add_photos(by=by, album=target, photo_ids=ids)
    album_delete(by=by, album=source)
    target.refresh_from_db()
    return target


@transaction.atomic
def album_add_photos(*, by: User, album: Album, photo_ids: list[int]) -> Album:
    """Append `by`'s photos to the album; photos already in it stay where they are."""
    album = _own_album(by=by, album=album)
    ids = _own_photo_ids(by=by, photo_ids=photo_ids)
    present = set(album.memberships.filter(photo_id__in=ids).values_list("photo_id", flat=True))
    last = album.memberships.aggregate(last=Max("order"))["last"]
    start = -1 if last is None else last
    new = [pk for pk in ids if pk not in present]
    AlbumPhoto.objects.bulk_create(
        AlbumPhoto(album=album, photo_id=pk, order=start + i) for i, pk in enumerate(new, 1)
    )
    album.save(update_fields=["updated_at", *_edited(album)])
    return album


@transaction.atomic
def album_remove_photos(*, by: User, album: Album, photo_ids: list[int]) -> Album:
    """Take `by`'s photos out of the album (they stay in the library); ids of photos that are
    not `by`'s raise UnknownPhotos, ids not in the album are ignored."""
    album = _own_album(by=by, album=album)
    ids = _own_photo_ids(by=by, photo_ids=photo_ids)
    album.memberships.filter(photo_id__in=ids).delete()
    fields = ["updated_at", *_edited(album)]
    if album.cover_id in ids:
        album.cover = None
        fields.append("cover")
    album.save(update_fields=fields)
    return album


@transaction.atomic
def album_share(*, by: User, album: Album, username: str, revoke: bool = False) -> Album:
    """Let `username` read the album and its photos, or stop it (`revoke`). Idempotent."""
    album = _own_album(by=by, album=album)
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise UnknownUser(f"There is no user {username!r}.")
    if user.pk == by.pk:
        raise OwnPhotosError("An album cannot be shared with its owner.")
    if revoke:
        AlbumShare.objects.filter(album=album, user=user).delete()
    else:
        AlbumShare.objects.get_or_create(album=album, user=user)
    return album


@transaction.atomic
def album_public_link(
    *,
    by: User,
    album: Album,
    public: bool,
    expires_at: dt.datetime | None = None,
    allow_gps: bool = False,
) -> AlbumLink | None:
    """Open the album to anyone with its link, or close it at once (`public=False`, None
    returned). Asking again keeps the token and takes the new expiry and GPS choice; an
    expiry in the past is refused."""
    album = _own_album(by=by, album=album)
    if not public:
        AlbumLink.objects.filter(album=album).delete()
        return None
    if expires_at is not None and expires_at <= timezone.now():
        raise OwnPhotosError("The link would expire before it is made: give a future time.")
    link, _ = AlbumLink.objects.update_or_create(
        album=album,
        defaults={"expires_at": expires_at, "allow_gps": allow_gps},
        create_defaults={
            "token": secrets.token_urlsafe(TOKEN_BYTES),
            "expires_at": expires_at,
            "allow_gps": allow_gps,
        },
    )
    return link
