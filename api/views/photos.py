from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import PhotoFilter
from api.ingest.motion import motion_video_open
from api.models import Photo
from api.search.similar import similar_to_photo
from api.selectors.photos import photo_detail, photo_list
from api.serializers.photos import (
    PhotoDetailSerializer,
    PhotoListSerializer,
    PhotoUpdateSerializer,
    UploadResultSerializer,
    UploadSerializer,
)
from api.serializers.search import RankedPhotosSerializer
from api.services.photos import photo_update
from api.services.uploads import photo_upload
from api.views.base import OwnedViewSet
from api.views.pagination import PhotoCursorPagination
from api.views.parsers import DiskMultiPartParser
from api.views.search import ranked_response
from api.views.thumbnails import RESPONSES, SIZE_PARAMETER, FirstRenderer, thumbnail_response


class PhotoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """The caller's photos: list (newest first), detail, changes, thumbnails, upload."""

    queryset = Photo.objects.all()
    # Photos of albums shared with the caller open by id, but only their own are listed.
    owned_actions = ("list",)
    filterset_class = PhotoFilter
    pagination_class = PhotoCursorPagination

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "list":
            return photo_list(photos=qs)
        if self.action == "thumbnail":
            return qs.only("id", "owner_id", "content_hash")
        return photo_detail(photos=qs)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Filters narrow the list; a photo's own routes find it hidden or trashed alike.
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        return PhotoListSerializer if self.action == "list" else PhotoDetailSerializer

    @extend_schema(request=PhotoUpdateSerializer, responses=PhotoDetailSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        photo = self.get_object()
        changes = PhotoUpdateSerializer(data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        photo = photo_update(photo=photo, by=request.user, **changes.validated_data)
        photo = photo_detail(photos=Photo.objects.for_user(request.user)).get(pk=photo.pk)
        return Response(PhotoDetailSerializer(photo).data, status=status.HTTP_200_OK)

    @extend_schema(parameters=[SIZE_PARAMETER], responses=RESPONSES)
    @action(
        detail=True,
        url_path=r"thumbnail/(?P<size>small|big)",
        content_negotiation_class=FirstRenderer,
    )
    def thumbnail(self, request: Request, pk: str | None = None, size: str = "small"):
        """The thumbnail image, cacheable by the browser; handed to nginx when configured."""
        return thumbnail_response(request=request, photo=self.get_object(), size=size)

    @extend_schema(
        responses={
            (200, "video/mp4"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such photo, or it is no motion photo"),
        },
    )
    @action(detail=True, content_negotiation_class=FirstRenderer)
    def motion(self, request: Request, pk: str | None = None) -> FileResponse:
        """The video of a motion photo (Google's MVIMG/PXL .MP, a Takeout's companion file)."""
        stream = motion_video_open(photo=self.get_object())
        return FileResponse(stream, content_type="video/mp4")

    @extend_schema(
        responses={
            200: RankedPhotosSerializer,
            404: OpenApiResponse(description="No such photo for the caller"),
        },
    )
    @action(detail=True)
    def similar(self, request: Request, pk: str | None = None) -> Response:
        """Photos that look like this one, near duplicates first, itself excluded; the list
        filters narrow the candidates."""
        photo = self.get_object()
        candidates = super().filter_queryset(Photo.objects.for_user(request.user))
        ranked = similar_to_photo(photos=candidates, photo=photo)
        return ranked_response(ranked=ranked, photos=candidates)

    @extend_schema(
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: OpenApiResponse(UploadResultSerializer, description="A new photo"),
            200: OpenApiResponse(UploadResultSerializer, description="Already in the library"),
            400: OpenApiResponse(description="Not an image or video, or too large to decode"),
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[DiskMultiPartParser])
    def upload(self, request: Request) -> Response:
        """Add a photo or video; metadata and thumbnails follow in the returned job."""
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        photo, job = photo_upload(owner=request.user, upload=body.validated_data["file"])
        return Response(
            {"id": photo.pk, "job": job.pk if job else None},
            status=status.HTTP_201_CREATED if job else status.HTTP_200_OK,
        )
