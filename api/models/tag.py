from django.db import models


class PhotoTagQuerySet(models.QuerySet):
    def for_user(self, user) -> "PhotoTagQuerySet":
        return self.filter(photo__owner=user)

    def visible_to(self, user) -> "PhotoTagQuerySet":
        return self.for_user(user)


class PhotoTag(models.Model):
    """A word that describes a photo ("beach", "outdoor"), the confidence of the model that
    said so, and which model and version that was: a new version re-tags only its own rows."""

    photo = models.ForeignKey("api.Photo", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=128)
    score = models.FloatField()
    source = models.CharField(max_length=64, help_text="the model that made the tag")
    version = models.CharField(max_length=128)

    objects = PhotoTagQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "source", "name"], name="phototag_unique"),
        ]
        indexes = [
            models.Index(fields=["name", "photo"], name="phototag_name"),
            # The keywords people wrote (search's vocabulary) without reading the model's tags.
            models.Index(fields=["source", "name"], name="phototag_source_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.score:.2f}, {self.source})"
