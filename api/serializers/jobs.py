from pathlib import Path

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.exceptions import PathOutsideLibrary
from api.models import Job, Library
from api.selectors.jobs import job_pending


class ProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField()
    total = serializers.IntegerField()


class JobErrorSerializer(serializers.Serializer):
    path = serializers.CharField()
    error = serializers.CharField()


class _ProgressField(serializers.Field):
    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, job: Job) -> dict:
        return {"done": job.done, "total": job.total}


class JobSerializer(serializers.ModelSerializer):
    progress = extend_schema_field(ProgressSerializer)(_ProgressField)()
    errors = JobErrorSerializer(many=True, read_only=True)
    pending = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "state",
            "progress",
            "pending",
            "errors",
            "reason",
            "params",
            "result",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_pending(self, job: Job) -> dict[str, int]:
        """While the job runs, per queue: `ingest` files of it not yet indexed; `faces`,
        `geocode`, `scenes`, `clip` photos of the owner the step has still to see."""
        return job_pending(job=job)


class ScanRequestSerializer(serializers.Serializer):
    path = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        max_length=4096,
        help_text="A folder inside one of your libraries; all of them when left out.",
    )
    full = serializers.BooleanField(
        required=False, default=False, help_text="Re-read files even when size and mtime agree."
    )

    def validate_path(self, value: str | None) -> str | None:
        """The resolved folder; one outside the caller's libraries is refused (symlinks too)."""
        if not value:
            return None
        try:
            resolved = Path(value).expanduser().resolve()
        except (OSError, ValueError, RuntimeError) as exc:
            # A name too long for the file system, a NUL byte, a symlink loop.
            raise serializers.ValidationError("Not a usable folder path.") from exc
        user = self.context["request"].user
        roots = [
            Path(path) for path in Library.objects.for_user(user).values_list("path", flat=True)
        ]
        if not any(resolved.is_relative_to(root) for root in roots):
            raise PathOutsideLibrary("This path is not inside one of your libraries.")
        try:
            folder = resolved.is_dir()
        except OSError as exc:
            # A name longer than the file system allows (ENAMETOOLONG) was a 500.
            raise serializers.ValidationError(
                f"Not a usable folder path ({exc.strerror})."
            ) from exc
        if not folder:
            raise serializers.ValidationError("Not a folder.")
        return str(resolved)


def _inside_libraries(value: str, user) -> Path:
    resolved = Path(value).expanduser().resolve()
    roots = [Path(path) for path in Library.objects.for_user(user).values_list("path", flat=True)]
    if not any(resolved.is_relative_to(root) for root in roots):
        raise PathOutsideLibrary(f"{value} is not inside one of your libraries")
    return resolved


class TakeoutRequestSerializer(serializers.Serializer):
    paths = serializers.ListField(
        child=serializers.CharField(),
        min_length=1,
        help_text="Takeout zips (all parts) or extracted folders, inside your libraries.",
    )
    into = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A folder inside your libraries; `takeout/` in your first library by default.",
    )

    def validate_paths(self, value: list[str]) -> list[str]:
        """Only what the caller may read: files and folders inside their own libraries."""
        user = self.context["request"].user
        resolved = [_inside_libraries(path, user) for path in value]
        for path in resolved:
            if not path.exists():
                raise serializers.ValidationError(f"{path} does not exist.")
        return [str(path) for path in resolved]

    def validate_into(self, value: str | None) -> str | None:
        return str(_inside_libraries(value, self.context["request"].user)) if value else None
