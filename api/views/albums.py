from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import AlbumFilter
from api.models import Album
from api.selectors.albums import album_list, album_photos
from api.serializers.albums import (
    AlbumCreateSerializer,
    AlbumMergeSerializer,
    AlbumPhotosSerializer,
    AlbumSerializer,
    AlbumShareResultSerializer,
    AlbumShareSerializer,
    AlbumUpdateSerializer,
    public_album_url,
)
from api.serializers.photos import PhotoListSerializer
from api.services.albums import (
    album_add_photos,
    album_create,
    album_delete,
    album_merge,
    album_public_link,
    album_remove_photos,
    album_share,
    album_update,
)
from api.views.base import OwnedViewSet


class AlbumViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """The caller's albums and events, and albums other users shared with them (read-only:
    changing or sharing someone else's album answers 404)."""

    queryset = Album.objects.all()
    serializer_class = AlbumSerializer
    filterset_class = AlbumFilter

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        return album_list(albums=qs)

    def _answer(self, album: Album, code: int = status.HTTP_200_OK) -> Response:
        album = album_list(albums=Album.objects.for_user(self.request.user)).get(pk=album.pk)
        return Response(self.get_serializer(album).data, status=code)

    @extend_schema(request=AlbumCreateSerializer, responses={201: AlbumSerializer})
    def create(self, request: Request) -> Response:
        body = AlbumCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        album = album_create(
            by=request.user,
            title=body.validated_data["title"],
            photo_ids=body.validated_data.get("photos"),
        )
        return self._answer(album, status.HTTP_201_CREATED)

    @extend_schema(request=AlbumUpdateSerializer, responses=AlbumSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        album = self.get_object()
        body = AlbumUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = body.validated_data
        album = album_update(
            by=request.user,
            album=album,
            title=changes.get("title"),
            photo_ids=changes.get("photos"),
            cover_id=changes.get("cover"),
            clear_cover="cover" in changes and changes["cover"] is None,
            sort=changes.get("sort"),
        )
        return self._answer(album)

    def destroy(self, request: Request, pk: str | None = None) -> Response:
        album_delete(by=request.user, album=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        responses=PhotoListSerializer(many=True),
        description="The album's photos in its order, paginated.",
    )
    @extend_schema(
        methods=["POST", "DELETE"],
        request=AlbumPhotosSerializer,
        responses=AlbumSerializer,
        description="POST adds the photos (at the end), DELETE takes them out of the album.",
    )
    @action(detail=True, methods=["get", "post", "delete"])
    def photos(self, request: Request, pk: str | None = None) -> Response:
        album = self.get_object()
        if request.method == "GET":
            photos = album_photos(album=album, viewer_id=request.user.pk)
            page = self.paginate_queryset(photos)
            return self.get_paginated_response(PhotoListSerializer(page, many=True).data)
        body = AlbumPhotosSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        change = album_add_photos if request.method == "POST" else album_remove_photos
        album = change(by=request.user, album=album, photo_ids=body.validated_data["photos"])
        return self._answer(album)

    @extend_schema(
        request=AlbumPhotosSerializer,
        responses={
            200: AlbumSerializer,
            404: OpenApiResponse(description="Not the caller's album, or photos not theirs"),
        },
    )
    @action(detail=True, methods=["post"], url_path="photos/remove")
    def photos_remove(self, request: Request, pk: str | None = None) -> Response:
        """Take the photos out of the album (a POST, for clients that send no DELETE body)."""
        album = self.get_object()
        body = AlbumPhotosSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        album = album_remove_photos(
            by=request.user, album=album, photo_ids=body.validated_data["photos"]
        )
        return self._answer(album)

    @extend_schema(request=AlbumMergeSerializer, responses=AlbumSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request: Request, pk: str | None = None) -> Response:
        """Move this album's photos into album `into` (the caller's), then delete this one;
        an event is dismissed, so regrouping does not bring it back."""
        album = self.get_object()
        body = AlbumMergeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        into = album_merge(by=request.user, album=album, into=body.validated_data["into"])
        return self._answer(into)

    @extend_schema(
        request=AlbumShareSerializer,
        responses={
            200: AlbumShareResultSerializer,
            400: OpenApiResponse(description="Unknown user, or neither `user` nor `public`"),
        },
    )
    @action(detail=True, methods=["post"])
    def share(self, request: Request, pk: str | None = None) -> Response:
        """Share read-only with a user (or stop), or open a public link (or revoke it)."""
        album = self.get_object()
        body = AlbumShareSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        result = {}
        if "user" in data:
            album_share(by=request.user, album=album, username=data["user"], revoke=data["revoke"])
        else:
            link = album_public_link(
                by=request.user,
                album=album,
                public=data["public"],
                expires_at=data.get("expires_at"),
                allow_gps=data["allow_gps"],
            )
            result = {"url": None}
            if link is not None:
                result = {
                    "url": public_album_url(request, link),
                    "expires_at": link.expires_at,
                    "allow_gps": link.allow_gps,
                }
        usernames = album.shares.order_by("user__username").values_list("user__username", flat=True)
        result["shared_with"] = list(usernames)
        return Response(AlbumShareResultSerializer(result).data)
