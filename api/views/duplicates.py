from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import Photo
from api.search.duplicates import duplicate_groups
from api.selectors.photos import photos_ranked
from api.serializers.duplicates import DuplicateGroupSerializer, DuplicatesResolveSerializer
from api.serializers.photos import PhotoDetailSerializer, PhotoListSerializer
from api.services.duplicates import duplicates_resolve
from api.views.base import OwnedViewSet
from api.views.pagination import PagePagination


class DuplicateViewSet(OwnedViewSet):
    """Groups of near-duplicate photos in the caller's library, and resolving one."""

    queryset = Photo.objects.all()
    filter_backends = []
    pagination_class = PagePagination

    @extend_schema(responses=DuplicateGroupSerializer(many=True))
    def list(self, request: Request) -> Response:
        """Biggest groups first; `best` is the largest copy with the most metadata."""
        photos = self.get_queryset().in_library()
        groups = self.paginate_queryset(duplicate_groups(photos=photos))
        data = [
            {
                "best": group.best,
                "photos": PhotoListSerializer(
                    photos_ranked(photos=photos, ids=group.ids), many=True
                ).data,
            }
            for group in groups
        ]
        return self.get_paginated_response(data)

    @extend_schema(request=DuplicatesResolveSerializer, responses=PhotoDetailSerializer)
    # serializer_class is what OPTIONS describes (it answered 500 without one).
    @action(detail=False, methods=["post"], serializer_class=DuplicatesResolveSerializer)
    def resolve(self, request: Request) -> Response:
        """Keep one photo; the others go to the trash and their favourite, rating, caption
        and album memberships go to the kept one."""
        body = DuplicatesResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        kept = duplicates_resolve(
            owner=request.user,
            keep=body.validated_data["keep"],
            others=body.validated_data["trash"],
        )
        return Response(PhotoDetailSerializer(kept).data)
