from dataclasses import asdict

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from api.ingest import face_crops
from api.models import Face, Person
from api.selectors import people as selectors
from api.serializers.fields import IdFilter
from api.serializers.people import (
    FaceDetailSerializer,
    FacePatchSerializer,
    FaceReviewPageSerializer,
    PersonMergeSerializer,
    PersonPatchSerializer,
    PersonSerializer,
)
from api.services import faces as face_services
from api.services import people as people_services
from api.views.base import OwnedViewSet
from api.views.thumbnails import FirstRenderer, cached_file_response

# A crop URL with the current `v` names one picture for good: a year, as for hashed assets.
CROP_IMMUTABLE_SECONDS = 365 * 24 * 3600


def _int_param(request: Request, name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(request.query_params.get(name, default))
    except ValueError as exc:
        raise ValidationError({name: "Give a whole number."}) from exc
    return min(max(value, low), high)


class PersonFilter(filters.FilterSet):
    hidden = filters.BooleanFilter(help_text="Hidden people instead of the visible ones.")

    class Meta:
        model = Person
        fields = ["hidden"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.form.cleaned_data.get("hidden") is None:
            queryset = queryset.filter(hidden=False)
        return super().filter_queryset(queryset)


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """People: named ones and unnamed clusters (`name` null), with face counts and covers."""

    queryset = Person.objects.all()
    serializer_class = PersonSerializer
    filterset_class = PersonFilter
    pagination_class = None
    http_method_names = ["get", "patch", "post", "head", "options"]

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        return selectors.people_list(qs) if self.action == "list" else qs

    @extend_schema(responses=PersonSerializer(many=True))
    def list(self, request: Request) -> Response:
        """Named people by name, then unnamed clusters by size (a library has thousands)."""
        return Response(selectors.people_rows(self.filter_queryset(self.get_queryset())))

    @extend_schema(request=PersonPatchSerializer, responses=PersonSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        person = self.get_object()
        data = PersonPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        if "name" in data.validated_data:
            person = people_services.person_rename(
                by=request.user, person=person, name=data.validated_data["name"]
            )
        if "hidden" in data.validated_data:
            person = people_services.person_hide(
                by=request.user, person=person, hidden=data.validated_data["hidden"]
            )
        if "cover_face" in data.validated_data:
            person = people_services.person_set_cover(
                by=request.user, person=person, face=data.validated_data["cover_face"]
            )
        return Response(PersonSerializer(person).data)

    @extend_schema(request=PersonMergeSerializer, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Move every face of this person into `into`; this person is deleted."""
        person = self.get_object()
        data = PersonMergeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        into = people_services.person_merge(
            by=request.user, person=person, into=data.validated_data["into"]
        )
        return Response(PersonSerializer(into).data)


class FaceFilter(filters.FilterSet):
    person = IdFilter(field_name="person_id", help_text="Faces of this person.")
    unknown = filters.BooleanFilter(
        field_name="person", lookup_expr="isnull", help_text="Faces in no person."
    )

    class Meta:
        model = Face
        fields = ["person", "unknown"]


class FaceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """Faces found in the caller's photos; PATCH assigns, unassigns, names (a new person when
    the name is nobody's yet) or says "not them"."""

    queryset = Face.objects.all()
    serializer_class = FaceDetailSerializer
    filterset_class = FaceFilter
    http_method_names = ["get", "patch", "head", "options"]

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "crop":
            return qs.select_related("photo")
        return qs.order_by("-photo_id", "pk")

    @extend_schema(request=FacePatchSerializer, responses=FaceDetailSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        face = self.get_object()
        data = FacePatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if "name" in values:
            face = face_services.face_name(by=request.user, face=face, name=values["name"])
        elif "not_person" in values:
            face = face_services.face_mark_not_person(
                by=request.user, face=face, person=values["not_person"]
            )
        elif values["person"] is None:
            face = face_services.face_unassign(by=request.user, face=face)
        else:
            face = face_services.face_assign(by=request.user, face=face, person=values["person"])
        return Response(FaceDetailSerializer(face).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("offset", int, description="Faces to skip (default 0)"),
            OpenApiParameter("limit", int, description="Faces to return (default 20, at most 100)"),
        ],
        responses=FaceReviewPageSerializer,
    )
    @action(detail=False, filter_backends=[])
    def review(self, request: Request) -> Response:
        """ "Who is this?": faces in no person, with the nearest people as suggestions."""
        offset = _int_param(request, "offset", 0, 0, 10**9)
        limit = _int_param(request, "limit", 20, 1, 100)
        count, faces = selectors.faces_review(by=request.user, offset=offset, limit=limit)
        page = {"count": count, "results": [asdict(face) for face in faces]}
        return Response(FaceReviewPageSerializer(page).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "v",
                str,
                description="The crop's version, as in `cover_url` and `crop_url`: with the "
                "current one the answer is cached for good (a face's crop never changes)",
            )
        ],
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match"),
            404: OpenApiResponse(description="No such face for the caller"),
        },
    )
    @action(detail=True, methods=["get"], content_negotiation_class=FirstRenderer)
    def crop(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The face with a margin around it, as a JPEG of at most 256 px, cut once and kept."""
        face = self.get_object()
        lasting = request.query_params.get("v") == face_crops.VERSION
        return cached_file_response(
            request=request,
            path=lambda: face_crops.face_crop_ensure(face=face),
            etag=f'"{face.photo.content_hash[:16]}-face{face.pk}-{face_crops.VERSION}"',
            mime="image/jpeg",
            cache_control=(
                f"private, max-age={CROP_IMMUTABLE_SECONDS}, immutable"
                if lasting
                else f"private, max-age={settings.THUMBNAIL_CACHE_SECONDS}"
            ),
        )
