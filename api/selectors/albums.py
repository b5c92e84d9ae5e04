"""Reads of albums shaped for their serializers: a page of albums costs three queries, and a
public link resolves its token to one album."""

from django.db.models import F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from api.exceptions import NotFound
from api.models import Album, AlbumLink, AlbumPhoto, AlbumShare, Photo
from api.selectors.photos import photo_list


def _memberships() -> QuerySet[AlbumPhoto]:
    """Memberships of untrashed photos, with what ordering and filtering need."""
    return (
        AlbumPhoto.objects.filter(photo__in_trash=False)
        .annotate(hidden=F("photo__hidden"), taken_at=F("photo__taken_at"))
        .only("id", "album_id", "photo_id", "order")
    )


def album_list(*, albums: QuerySet[Album]) -> QuerySet[Album]:
    """A scoped album queryset with owners, links, members and shares fetched in batches;
    events by date, newest first, among albums by creation."""
    shares = AlbumShare.objects.select_related("user").only("id", "album_id", "user__username")
    return (
        albums.select_related("owner", "link")
        .prefetch_related(
            Prefetch("memberships", queryset=_memberships(), to_attr="visible_memberships"),
            Prefetch("shares", queryset=shares.order_by("user__username")),
        )
        .order_by(Coalesce("start_at", "created_at").desc(), "-id")
    )


def album_photo_ids(*, album: Album, viewer_id: int) -> list[int]:
    """Member ids in the album's order from the prefetched memberships; hidden photos only
    for the owner, trashed photos for no one."""
    members = [m for m in album.visible_memberships if album.owner_id == viewer_id or not m.hidden]
    if album.sort == Album.Sort.MANUAL:
        members.sort(key=lambda m: (m.order, m.photo_id))
    else:
        members.sort(key=lambda m: (m.taken_at is None, m.taken_at or 0, m.photo_id))
    return [m.photo_id for m in members]


def album_photos(*, album: Album, viewer_id: int) -> QuerySet[Photo]:
    """The album's photos shaped for the photo list, in the album's order."""
    photos = Photo.objects.filter(memberships__album=album, in_trash=False)
    if album.owner_id != viewer_id:
        photos = photos.filter(hidden=False)
    photos = photo_list(photos=photos)
    if album.sort == Album.Sort.MANUAL:
        return photos.order_by("memberships__order", "id")
    return photos.order_by(F("taken_at").asc(nulls_last=True), "id")


def public_album(*, token: str) -> Album:
    """The album behind a live public link; NotFound for unknown, revoked or expired tokens."""
    now = timezone.now()
    link = (
        AlbumLink.objects.filter(token=token)
        .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
        .select_related("album")
        .first()
    )
    if link is None:
        raise NotFound("No such album.")
    return link.album


def public_album_photos(*, album: Album) -> QuerySet[Photo]:
    """What a public link shows: the album's photos the owner neither hid nor trashed."""
    photos = Photo.objects.filter(memberships__album=album, in_trash=False, hidden=False)
    if album.sort == Album.Sort.MANUAL:
        return photos.order_by("memberships__order", "id")
    return photos.order_by(F("taken_at").asc(nulls_last=True), "id")
