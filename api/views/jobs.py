from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.exceptions import Conflict
from api.models import Job
from api.serializers.jobs import JobSerializer, ScanRequestSerializer, TakeoutRequestSerializer
from api.services.jobs import job_create, job_enqueue, job_retry, jobs_resume_stale
from api.views.base import OwnedViewSet


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """The caller's background jobs, newest first; a job whose worker died shows as failed."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    filter_backends = []

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        return qs.order_by("-created_at", "-id")

    def list(self, request: Request, *args, **kwargs) -> Response:
        jobs_resume_stale()
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        jobs_resume_stale()
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=ScanRequestSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"])
    def scan(self, request: Request) -> Response:
        """Queue a scan of the caller's libraries, or of one folder inside them."""
        body = ScanRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        job = job_create(owner=request.user, kind=Job.Kind.SCAN, params=body.validated_data)
        job_enqueue(job=job)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        """Queue a failed job again, as a new job with the same parameters."""
        job = self.get_object()
        if job.state != Job.State.FAILED:
            raise Conflict(f"Only a failed job can be retried; this one is {job.state}.")
        retry = job_retry(job=job)
        return Response(JobSerializer(retry).data, status=status.HTTP_202_ACCEPTED)


class ImportViewSet(viewsets.GenericViewSet):
    """Imports from other apps, run as jobs (follow them under /api/jobs/)."""

    serializer_class = TakeoutRequestSerializer

    @extend_schema(request=TakeoutRequestSerializer, responses={202: JobSerializer})
    @action(detail=False, methods=["post"])
    def takeout(self, request: Request) -> Response:
        """Queue the import of a Google Takeout (zips or a folder inside your libraries)."""
        body = TakeoutRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        job = job_create(owner=request.user, kind=Job.Kind.TAKEOUT, params=body.validated_data)
        job_enqueue(job=job)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
