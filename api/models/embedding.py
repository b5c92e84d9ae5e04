import numpy as np
from django.db import models


class EmbeddingQuerySet(models.QuerySet):
    def for_user(self, user) -> "EmbeddingQuerySet":
        return self.filter(photo__owner=user)

    def visible_to(self, user) -> "EmbeddingQuerySet":
        return self.for_user(user)


class Embedding(models.Model):
    """A photo's L2-normalised embedding by one model (e.g. "clip") at one version.

    `vector` holds float32 bytes on every database; on PostgreSQL with pgvector the migration
    adds a `vec vector(dim)` column with an HNSW index that api/search/backends/pgvector.py
    fills and queries.
    """

    photo = models.ForeignKey("api.Photo", on_delete=models.CASCADE, related_name="embeddings")
    model_name = models.CharField(max_length=64)
    model_version = models.CharField(max_length=128)
    dim = models.PositiveIntegerField()
    vector = models.BinaryField()
    created_at = models.DateTimeField(auto_now=True)

    objects = EmbeddingQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["photo", "model_name"], name="embedding_unique"),
        ]
        indexes = [
            models.Index(fields=["model_name", "model_version"], name="embedding_model"),
            # The in-process back-ends read the rows written since their last look.
            models.Index(fields=["created_at"], name="embedding_created"),
        ]

    def __str__(self) -> str:
        return f"{self.model_name} {self.model_version} of photo {self.photo_id}"

    @property
    def array(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype=np.float32)
