from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import PhotoFilter
from api.models import Photo
from api.selectors.photos import photo_detail, photo_list
from api.serializers.photos import (
    PhotoDetailSerializer,
    PhotoListSerializer,
    PhotoUpdateSerializer,
)
from api.services.photos import photo_update
from api.views.base import OwnedViewSet
from api.views.pagination import PhotoCursorPagination


class PhotoViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OwnedViewSet):
    """The caller's photos: list (newest first), detail, changes, thumbnails, upload."""

    queryset = Photo.objects.all()
    filterset_class = PhotoFilter
    pagination_class = PhotoCursorPagination

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        if self.action == "list":
            return photo_list(photos=qs)
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
        changes = PhotoUpdateSerializer(data=request.data)
        changes.is_valid(raise_exception=True)
        photo = photo_update(photo=photo, by=request.user, **changes.validated_data)
        photo = photo_detail(photos=Photo.objects.for_user(request.user)).get(pk=photo.pk)
        return Response(PhotoDetailSerializer(photo).data, status=status.HTTP_200_OK)
