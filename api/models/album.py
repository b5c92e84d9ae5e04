from django.conf import settings
from django.db import models
from django.db.models import Q


class AlbumQuerySet(models.QuerySet):
    def for_user(self, user) -> "AlbumQuerySet":
        return self.filter(owner=user, dismissed=False)

    def visible_to(self, user) -> "AlbumQuerySet":
        """The user's albums and the albums others shared with them (read-only)."""
        shared = AlbumShare.objects.filter(user=user).values("album_id")
        return self.filter(Q(owner=user) | Q(pk__in=shared), dismissed=False)


class Album(models.Model):
    """A set of Photos: made by the user, or an event grouped from the photos' dates.

    Members are Photos, not Files, so an album survives rescans, moves and renames.
    """

    class Kind(models.TextChoices):
        USER = "user"
        EVENT = "event"

    class Sort(models.TextChoices):
        DATE = "date", "by date taken"
        MANUAL = "manual", "in the order the user gave"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="albums"
    )
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.USER)
    sort = models.CharField(max_length=8, choices=Sort.choices, default=Sort.DATE)
    photos = models.ManyToManyField(
        "api.Photo", through="AlbumPhoto", related_name="albums", blank=True
    )
    # None: the first photo in the album's order is shown.
    cover = models.ForeignKey(
        "api.Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Events: the span of their photos, and whether the user changed the event, which then
    # keeps its title and members when events are regenerated.
    start_at = models.DateTimeField(null=True, blank=True)
    end_at = models.DateTimeField(null=True, blank=True)
    edited_by_user = models.BooleanField(default=False)
    # An event the user deleted: out of sight everywhere, but kept with its photos so that
    # regrouping does not bring it back.
    dismissed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["owner", "kind", "start_at"], name="album_owner_kind_start"),
        ]

    def __str__(self) -> str:
        return self.title


class AlbumPhoto(models.Model):
    """A photo's membership of an album; `order` is its place when the album sorts manually."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="memberships")
    photo = models.ForeignKey("api.Photo", on_delete=models.CASCADE, related_name="memberships")
    order = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["album", "photo"], name="albumphoto_unique"),
        ]

    def __str__(self) -> str:
        return f"photo {self.photo_id} in album {self.album_id}"


class AlbumShare(models.Model):
    """`user` may read `album` and its photos; never change them."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="album_shares"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["album", "user"], name="albumshare_unique"),
        ]

    def __str__(self) -> str:
        return f"album {self.album_id} shared with user {self.user_id}"


class AlbumLink(models.Model):
    """A public, read-only link to an album: whoever has the token sees its photos.

    Deleting the row revokes the link at once; a new link gets a new token.
    """

    album = models.OneToOneField(Album, on_delete=models.CASCADE, related_name="link")
    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # Whether visitors see where the photos were taken.
    allow_gps = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"public link to album {self.album_id}"


class EventGrouping(models.Model):
    """Up to when a user's photos were grouped into events: photos changed later are regrouped.

    Its row is also the lock that keeps two regenerations of one user's events apart.
    """

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_grouping"
    )
    grouped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"events of user {self.owner_id} grouped at {self.grouped_at}"
