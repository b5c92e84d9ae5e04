from django.conf import settings
from django.db import models
from django.db.models import Q


class PhotoQuerySet(models.QuerySet):
    def for_user(self, user) -> "PhotoQuerySet":
        return self.filter(owner=user)

    def visible_to(self, user) -> "PhotoQuerySet":
        """The user's photos, and the photos of albums shared with them (read-only).

        A shared album shows its owner's hidden and trashed photos to no one else.
        """
        shared = self.model.objects.filter(
            memberships__album__shares__user=user, hidden=False, in_trash=False
        ).values("pk")
        return self.filter(Q(owner=user) | Q(pk__in=shared))

    def in_library(self) -> "PhotoQuerySet":
        """What the timeline and search show: neither hidden nor trashed."""
        return self.filter(hidden=False, in_trash=False)

    def at_place(self, name: str) -> "PhotoQuerySet":
        """Photos whose place, or an ancestor of it, is called `name` (any case)."""
        return self.filter(
            Q(place__name__iexact=name)
            | Q(place__parent__name__iexact=name)
            | Q(place__parent__parent__name__iexact=name)
        )

    def in_place(self, place_id: int) -> "PhotoQuerySet":
        """Photos at that place or anywhere inside it."""
        return self.filter(
            Q(place_id=place_id)
            | Q(place__parent_id=place_id)
            | Q(place__parent__parent_id=place_id)
        )


class DateSource(models.TextChoices):
    EXIF_ORIGINAL = "exif_original", "EXIF DateTimeOriginal"
    EXIF_DIGITIZED = "exif_digitized", "EXIF DateTimeDigitized"
    EXIF_MODIFIED = "exif_modified", "EXIF DateTime"
    VIDEO = "video", "video container"
    FILENAME = "filename", "file name"
    MTIME = "mtime", "file modification time"
    XMP = "xmp", "XMP photoshop:DateCreated"
    TAKEOUT = "takeout", "Google Takeout photoTakenTime"


class Photo(models.Model):
    """One picture or video, identified by its content hash per owner.

    Everything a user attaches (favourite, albums, names) hangs on the Photo, not on a
    File, so moving or renaming a file keeps it.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="photos"
    )
    content_hash = models.CharField(max_length=64)
    mime = models.CharField(max_length=64, blank=True)

    taken_at = models.DateTimeField(null=True, blank=True)
    # The calendar day where the photo was taken (local to the camera), for the timeline.
    taken_date = models.DateField(null=True, blank=True)
    # Minutes east of UTC when the source said so; null when the zone is unknown.
    tz_offset = models.SmallIntegerField(null=True, blank=True)
    date_source = models.CharField(max_length=16, choices=DateSource.choices, blank=True)

    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(null=True, blank=True)
    camera_make = models.CharField(max_length=128, blank=True)
    camera_model = models.CharField(max_length=128, blank=True)
    lens = models.CharField(max_length=256, blank=True)
    exposure_time = models.FloatField(null=True, blank=True, help_text="seconds")
    f_number = models.FloatField(null=True, blank=True)
    iso = models.PositiveIntegerField(null=True, blank=True)
    focal_length = models.FloatField(null=True, blank=True, help_text="millimetres")
    gps_lat = models.FloatField(null=True, blank=True)
    gps_lon = models.FloatField(null=True, blank=True)
    gps_alt = models.FloatField(null=True, blank=True, help_text="metres")
    # The most precise place known for gps_lat/gps_lon (see api/geo/geocode.py).
    place = models.ForeignKey(
        "api.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="photos"
    )
    geocode_distance = models.FloatField(
        null=True, blank=True, help_text="km to the nearest GeoNames place (offline answers)"
    )
    geocode_provider = models.CharField(max_length=32, blank=True)
    geocode_version = models.CharField(max_length=32, blank=True)

    is_video = models.BooleanField(default=False)
    duration = models.FloatField(null=True, blank=True, help_text="seconds")
    # The image could only be partly decoded (e.g. a truncated JPEG); the thumbnail shows what was.
    partial = models.BooleanField(default=False)

    favorite = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    rating = models.PositiveSmallIntegerField(default=0)
    # xmp:Rating -1: the photographer rejected it (darktable, Lightroom).
    rejected = models.BooleanField(default=False)
    caption = models.TextField(blank=True)
    in_trash = models.BooleanField(default=False)
    trashed_at = models.DateTimeField(null=True, blank=True)

    # imagehash pHash of the big thumbnail, as a signed 64-bit integer (api/ingest/phash.py).
    phash = models.BigIntegerField(null=True, blank=True)
    # Mean colour of the big thumbnail, 0xRRGGBB: breaks ties between flat pictures' hashes.
    mean_color = models.IntegerField(null=True, blank=True)

    # Named faces another app drew (XMP regions): [{"name", "box": [top, right, bottom, left]}],
    # fractions of the displayed photo; the faces step gives them to the faces it finds.
    regions = models.JSONField(default=list, blank=True)
    # What an import's sidecar said, kept for rescans (api/ingest/takeout.py):
    # {"taken": UTC seconds, "lat", "lon", "alt", "people": [names]}.
    imported = models.JSONField(default=dict, blank=True)

    # The video of a motion photo: a file kept beside it (hidden from scans), or the MP4
    # appended to the photo's own file, starting `motion_offset` bytes before its end.
    motion_path = models.CharField(max_length=1024, blank=True)
    motion_offset = models.BigIntegerField(null=True, blank=True)

    # Per pipeline step: {"thumbnails": {"state": "done", "version": "1", "error": ""}, ...}
    steps = models.JSONField(default=dict, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "content_hash"], name="photo_unique_hash"),
            models.CheckConstraint(
                condition=Q(rating__gte=0) & Q(rating__lte=5), name="photo_rating_0_5"
            ),
        ]
        indexes = [
            # The photo list: newest first, per owner.
            models.Index(fields=["owner", "-taken_at", "-id"], name="photo_owner_taken"),
            # The timeline and the library's count: one index-only GROUP BY over the day. Partial,
            # so hidden and trashed rows are left out without reading the table.
            models.Index(
                fields=["owner", "taken_date"],
                name="photo_library_day",
                condition=Q(hidden=False, in_trash=False),
            ),
            # Favourites, a first-class view: its page and its count without reading the table.
            models.Index(
                fields=["owner", "-taken_at", "-id"],
                name="photo_library_favorite",
                condition=Q(favorite=True, hidden=False, in_trash=False),
            ),
            # Map clusters: a bounding-box range scan per owner over the geotagged library that
            # never reads the table. SQLite still checks hidden/in_trash against the row, so
            # they are columns too, for the index to cover the query (and MIN(id)).
            models.Index(
                fields=["owner", "gps_lat", "gps_lon", "hidden", "in_trash", "id"],
                name="photo_library_gps",
                condition=Q(hidden=False, in_trash=False, gps_lat__isnull=False),
            ),
            # Photo counts per place: one index-only GROUP BY (columns as above, for SQLite).
            models.Index(
                fields=["owner", "place", "hidden", "in_trash"],
                name="photo_library_place",
                condition=Q(hidden=False, in_trash=False, place__isnull=False),
            ),
            # Search matches caption words: only the few captioned photos are read, not the
            # whole library (most photos have no caption).
            models.Index(fields=["owner"], name="photo_captioned", condition=~Q(caption="")),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} ({self.content_hash[:12]})"
