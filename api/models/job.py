from django.conf import settings
from django.db import models


class JobQuerySet(models.QuerySet):
    def for_user(self, user) -> "JobQuerySet":
        return self.filter(owner=user)

    def visible_to(self, user) -> "JobQuerySet":
        return self.for_user(user)


class Job(models.Model):
    """A unit of background work a user can follow: its progress and the files it failed on."""

    class Kind(models.TextChoices):
        SCAN = "scan"
        UPLOAD = "upload"
        TAKEOUT = "takeout"

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        # Running, but no worker has reported for a while: its work is queued again and
        # resumes when a worker takes it.
        WAITING = "waiting"
        DONE = "done"
        FAILED = "failed"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    # [{"path": ..., "error": ...}, ...]
    errors = models.JSONField(default=list, blank=True)
    result = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["owner", "-created_at"], name="job_owner_created")]

    def __str__(self) -> str:
        return f"{self.kind} job {self.pk} ({self.state})"


class JobBatch(models.Model):
    """A slice of a scan's files (tens of them), processed by any worker; the job's counts
    are the sum of its finished batches, so a batch delivered twice counts once."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="batches")
    number = models.PositiveIntegerField()
    # [[path, is_new, library id or null], ...]: everything the batch task needs.
    items = models.JSONField(default=list)
    # {"new": n, "changed": n, "failed": n} once finished.
    counts = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="jobbatch_job_number")
        ]
        indexes = [models.Index(fields=["job", "finished_at"], name="jobbatch_job_finished")]

    def __str__(self) -> str:
        return f"batch {self.number} of job {self.job_id}"
