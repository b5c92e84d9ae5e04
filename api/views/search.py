from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters import PhotoFilter
from api.models import Photo
from api.search.ranking import photos_search
from api.search.similar import Ranked, query_image_render, similar_to_image
from api.search.suggest import search_suggest
from api.selectors.photos import photos_ranked
from api.serializers.search import (
    ImageQuerySerializer,
    RankedPhotoSerializer,
    RankedPhotosSerializer,
    SearchSuggestionSerializer,
)
from api.views.base import OwnedViewSet
from api.views.pagination import PagePagination
from api.views.parsers import DiskMultiPartParser


def ranked_response(*, ranked: Ranked, photos: QuerySet[Photo]) -> Response:
    """The first settings.SIMILAR_LIMIT photos of a ranking, with scores and warnings."""
    ids = ranked.ids[: settings.SIMILAR_LIMIT]
    rows = photos_ranked(photos=photos, ids=ids)
    results = RankedPhotoSerializer(rows, many=True, context={"scores": ranked.scores}).data
    return Response({"results": results, "warnings": ranked.warnings})


class SearchPagination(PagePagination):
    """Pages of a ranked list, with the search's `warnings` and how the query was read."""

    def get_paginated_response(self, data: list) -> Response:
        response = super().get_paginated_response(data)
        response.data["warnings"] = self.warnings
        response.data["query"] = self.query
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["warnings"] = {"type": "array", "items": {"type": "string"}}
        paginated["properties"]["query"] = {"type": "object"}
        return paginated


class SearchViewSet(OwnedViewSet):
    """Searching the caller's photos; the filters of `/api/photos/` narrow every search."""

    queryset = Photo.objects.all()
    filterset_class = PhotoFilter
    pagination_class = SearchPagination

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                str,
                description=(
                    'Free text, e.g. "dog on a beach", "anna paris 2019", "beach last summer": '
                    "people, places, tags and dates are recognised, the rest is matched by "
                    "meaning (CLIP) and in captions"
                ),
            )
        ],
        responses=RankedPhotoSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        """The caller's photos ranked for `q`, best first, each with `score`."""
        photos = self.filter_queryset(self.get_queryset())
        result = photos_search(
            owner=request.user, photos=photos, text=request.query_params.get("q", "")
        )
        page = self.paginate_queryset(result.ids)
        rows = photos_ranked(photos=photos, ids=page)
        self.paginator.warnings = result.warnings
        self.paginator.query = result.query.describe()
        data = RankedPhotoSerializer(rows, many=True, context={"scores": result.scores}).data
        return self.get_paginated_response(data)

    @extend_schema(
        request={"multipart/form-data": ImageQuerySerializer},
        responses={
            200: RankedPhotosSerializer,
            400: OpenApiResponse(description="Not an image, or it does not decode"),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="by-image",
        parser_classes=[DiskMultiPartParser],
        # What OPTIONS describes (it answered 500 without one).
        serializer_class=ImageQuerySerializer,
    )
    def by_image(self, request: Request) -> Response:
        """The caller's photos most like an uploaded image (near duplicates first)."""
        body = ImageQuerySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        image = query_image_render(path=Path(body.validated_data["file"].temporary_file_path()))
        photos = self.filter_queryset(self.get_queryset())
        return ranked_response(
            ranked=similar_to_image(owner=request.user, photos=photos, image=image), photos=photos
        )

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="What has been typed so far")],
        responses=SearchSuggestionSerializer(many=True),
    )
    @action(detail=False, filter_backends=[], pagination_class=None)
    def suggest(self, request: Request) -> Response:
        """The caller's people, places, tags and dates matching `q`, at most 10, each with
        the filters of /api/photos/ that show its photos."""
        return Response(search_suggest(user=request.user, text=request.query_params.get("q", "")))
