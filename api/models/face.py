from django.db import models


class FaceQuerySet(models.QuerySet):
    def for_user(self, user) -> "FaceQuerySet":
        return self.filter(photo__owner=user)

    def visible_to(self, user) -> "FaceQuerySet":
        return self.for_user(user)

    def unknown(self) -> "FaceQuerySet":
        return self.filter(person__isnull=True)


class Face(models.Model):
    """A face found in a photo, with its 128-d dlib encoding.

    The box is in displayed-image pixels of the full photo (EXIF orientation applied), so it
    lines up with `Photo.width` by `Photo.height` whatever size the detector ran on.
    """

    class Source(models.TextChoices):
        USER = "user"
        CLUSTERED = "clustered"
        RECOGNISED = "recognised"

    photo = models.ForeignKey("api.Photo", on_delete=models.CASCADE, related_name="faces")
    top = models.PositiveIntegerField()
    right = models.PositiveIntegerField()
    bottom = models.PositiveIntegerField()
    left = models.PositiveIntegerField()
    # 128 little-endian float32: 512 bytes instead of a JSON list of floats.
    encoding = models.BinaryField()
    detector = models.CharField(max_length=16)
    model_version = models.CharField(max_length=32)
    person = models.ForeignKey(
        "api.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="faces"
    )
    person_source = models.CharField(max_length=16, choices=Source.choices, blank=True)
    # Distance to the face that recognised or clustered it; null when a user set the person.
    distance = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FaceQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["person", "-distance"], name="face_person")]

    def __str__(self) -> str:
        return f"Face {self.pk} in photo {self.photo_id}"

    @property
    def box(self) -> list[int]:
        return [self.top, self.right, self.bottom, self.left]

    @property
    def box_area(self) -> int:
        return (self.bottom - self.top) * (self.right - self.left)


class FaceNotPerson(models.Model):
    """A user said this face is not that person: no assignment or clustering puts it back."""

    face = models.ForeignKey(Face, on_delete=models.CASCADE, related_name="not_people")
    person = models.ForeignKey("api.Person", on_delete=models.CASCADE, related_name="not_faces")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["face", "person"], name="face_not_person_unique"),
        ]

    def __str__(self) -> str:
        return f"Face {self.face_id} is not person {self.person_id}"
