from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.exceptions import NotFound
from api.filters import PhotoFilter
from api.ingest import renditions
from api.ingest.motion import motion_video_open
from api.models import Photo
from api.search.similar import similar_to_photo
from api.selectors.downloads import download_files, zip_stream
from api.selectors.photos import photo_detail, photo_list
from api.serializers.photos import (
    PhotoBulkResultSerializer,
    PhotoBulkSerializer,
    PhotoDetailSerializer,
    PhotoDownloadSerializer,
    PhotoListSerializer,
    PhotoUpdateSerializer,
    UploadResultSerializer,
    UploadSerializer,
    VideoStateSerializer,
)
from api.serializers.search import RankedPhotosSerializer
from api.services.photos import photo_update, photos_bulk_update
from api.services.uploads import photo_upload
from api.tasks import photo_transcode_video
from api.views.base import OwnedViewSet
from api.views.pagination import PhotoCursorPagination
from api.views.parsers import DiskMultiPartParser
from api.views.search import ranked_response
from api.views.streaming import ranged_file_response
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
        if self.action in ("original", "full", "video"):
            return qs.only("id", "owner_id", "content_hash", "mime", "is_video")
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

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            (206, "application/octet-stream"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match"),
            404: OpenApiResponse(description="No such photo for the caller, or no file on disk"),
            416: OpenApiResponse(description="The Range lies past the end of the file"),
        },
    )
    @action(detail=True, content_negotiation_class=FirstRenderer)
    def original(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The original bytes as a download (`Range` gives 206); photos of albums shared with
        the caller too."""
        photo = self.get_object()
        path = renditions.original_path(photo=photo)
        return ranged_file_response(
            request=request,
            path=path,
            content_type=photo.mime or "application/octet-stream",
            etag=f'"{photo.content_hash[:32]}"',
            filename=path.name,
        )

    @extend_schema(
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match"),
            400: OpenApiResponse(description="The original has no pixels (e.g. a video)"),
            404: OpenApiResponse(description="No such photo for the caller, or no file on disk"),
        },
    )
    @action(detail=True, content_negotiation_class=FirstRenderer)
    def full(self, request: Request, pk: str | None = None) -> HttpResponse:
        """A full-size JPEG of the photo (orientation applied), for formats browsers cannot
        show (HEIC, RAW, TIFF…) and for zooming; made on first request and cached."""
        photo = self.get_object()
        if photo.is_video:
            raise NotFound("A video has no full-size image; see video/.")
        path = renditions.full_make(photo=photo)
        etag = f'"{photo.content_hash[:16]}-full{renditions.VERSION}"'
        return ranged_file_response(
            request=request, path=path, content_type="image/jpeg", etag=etag
        )

    @extend_schema(
        responses={
            (200, "video/mp4"): OpenApiTypes.BINARY,
            (206, "video/mp4"): OpenApiTypes.BINARY,
            202: OpenApiResponse(
                VideoStateSerializer, description="Being transcoded: ask again shortly"
            ),
            404: OpenApiResponse(description="No such photo for the caller, or not a video"),
            422: OpenApiResponse(VideoStateSerializer, description="The transcode failed"),
        },
    )
    @action(detail=True, content_negotiation_class=FirstRenderer)
    def video(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The video for `<video>`: the original when browsers play it (H.264/AAC MP4, VP8/9
        WebM), else an H.264/AAC MP4 made by a worker (202 until ready), streamed with Range."""
        photo = self.get_object()
        if not photo.is_video:
            raise NotFound("This photo is not a video.")
        path = renditions.original_path(photo=photo)
        if renditions.video_playable(photo=photo, path=path):
            return ranged_file_response(
                request=request,
                path=path,
                content_type=photo.mime or "video/mp4",
                etag=f'"{photo.content_hash[:32]}"',
            )
        transcoded = renditions.video_path(photo=photo)
        if transcoded.exists():
            etag = f'"{photo.content_hash[:16]}-mp4{renditions.VERSION}"'
            return ranged_file_response(
                request=request, path=transcoded, content_type="video/mp4", etag=etag
            )
        failure = renditions.video_failure(photo=photo)
        if failure is not None:
            return Response(
                {"state": "failed", "detail": failure},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if renditions.video_queue_claim(photo=photo):
            photo_transcode_video.delay_on_commit(photo.pk)
        return Response({"state": "pending"}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=PhotoBulkSerializer,
        responses={
            200: PhotoBulkResultSerializer,
            404: OpenApiResponse(
                description="Some ids are not the caller's photos (listed): nothing changed"
            ),
        },
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """One action on many photos at once, in one transaction."""
        body = PhotoBulkSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        updated = photos_bulk_update(by=request.user, **body.validated_data)
        return Response({"updated": updated})

    @extend_schema(
        request={
            "application/json": PhotoDownloadSerializer,
            "application/x-www-form-urlencoded": PhotoDownloadSerializer,
        },
        responses={
            (200, "application/zip"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="Some ids are not photos the caller may see"),
        },
    )
    @action(detail=False, methods=["post"])
    def download(self, request: Request) -> StreamingHttpResponse:
        """The originals of the selection as one zip, streamed (entries stored, not deflated);
        a plain form post with the access cookie and CSRF token works, for `<form>` downloads."""
        body = PhotoDownloadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entries = download_files(
            photos=Photo.objects.visible_to(request.user), ids=body.validated_data["ids"]
        )
        name = f"ownphotos-{len(entries)}.zip"
        return StreamingHttpResponse(
            zip_stream(entries),
            content_type="application/zip",
            headers={"Content-Disposition": content_disposition_header(True, name)},
        )
