from pathlib import Path

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models


class User(AbstractUser):
    """A person with their own photos; libraries are the folders their photos are read from."""

    objects = UserManager()

    class Meta:
        db_table = "api_user"

    @property
    def upload_dir(self) -> Path:
        from django.conf import settings

        return settings.UPLOAD_DIR / str(self.pk)


class LibraryQuerySet(models.QuerySet):
    def for_user(self, user: User) -> "LibraryQuerySet":
        return self.filter(owner=user)

    def visible_to(self, user: User) -> "LibraryQuerySet":
        return self.for_user(user)


class Library(models.Model):
    """A folder scanned for one user. Paths are stored resolved (absolute, no symlinks)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="libraries")
    path = models.CharField(max_length=1024)
    created_at = models.DateTimeField(auto_now_add=True)
    last_scanned_at = models.DateTimeField(null=True, blank=True)

    objects = LibraryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "libraries"
        constraints = [
            models.UniqueConstraint(fields=["owner", "path"], name="library_unique_owner_path"),
        ]

    def __str__(self) -> str:
        return self.path
