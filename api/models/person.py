from django.conf import settings
from django.db import models


class PersonQuerySet(models.QuerySet):
    def for_user(self, user) -> "PersonQuerySet":
        return self.filter(owner=user)

    def visible_to(self, user) -> "PersonQuerySet":
        return self.for_user(user)

    def protected(self) -> "PersonQuerySet":
        """People a user has touched (named, hidden, given a face or told a face is not them):
        re-clustering keeps them and every face in them."""
        return self.filter(
            models.Q(name__isnull=False)
            | models.Q(hidden=True)
            | models.Q(faces__person_source="user")
            | models.Q(not_faces__isnull=False)
        ).distinct()


class Person(models.Model):
    """Someone whose faces are grouped together: named by the user, or an unnamed cluster.

    An unnamed person (name null) is what clustering made; naming it names every face in it.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="people"
    )
    # Null, not "": the API says an unnamed cluster has `name: null`.
    name = models.CharField(max_length=256, null=True, blank=True)  # noqa: DJ001
    cover_face = models.ForeignKey(
        "api.Face", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    hidden = models.BooleanField(default=False)
    # Denormalised: kept by the services that move faces, so the people list is one query.
    face_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "people"
        indexes = [models.Index(fields=["owner", "name"], name="person_owner_name")]

    def __str__(self) -> str:
        return self.name or f"Unnamed person {self.pk}"
