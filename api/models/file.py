from django.conf import settings
from django.db import models


class FileQuerySet(models.QuerySet):
    def for_user(self, user) -> "FileQuerySet":
        return self.filter(owner=user)

    def visible_to(self, user) -> "FileQuerySet":
        return self.for_user(user)


class File(models.Model):
    """A file on disk. Several Files with the same bytes point at one Photo.

    A file that could not be read keeps its error and no Photo; a file gone from disk is
    marked missing and keeps its Photo.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="files"
    )
    photo = models.ForeignKey(
        "api.Photo", null=True, blank=True, on_delete=models.SET_NULL, related_name="files"
    )
    path = models.CharField(max_length=1024)
    size = models.BigIntegerField()
    mtime_ns = models.BigIntegerField()
    content_hash = models.CharField(max_length=64, blank=True)
    mime = models.CharField(max_length=64, blank=True)
    # The mtime of its XMP sidecar when it has one: a changed sidecar is a changed file.
    sidecar_mtime_ns = models.BigIntegerField(null=True, blank=True)
    missing = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    # Lives in the user's upload folder inside the data directory, so OwnPhotos may delete it.
    uploaded = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FileQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["owner", "path"], name="file_unique_owner_path"),
        ]
        indexes = [models.Index(fields=["owner", "content_hash"], name="file_owner_hash")]

    def __str__(self) -> str:
        return self.path
