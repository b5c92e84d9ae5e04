from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import Place
from api.selectors.places import map_clusters, place_counts
from api.serializers.places import (
    MapClusterSerializer,
    MapQuerySerializer,
    PlaceCountSerializer,
)
from api.views.base import OwnedViewSet


class PlaceViewSet(OwnedViewSet):
    """The caller's places with photo counts, and their photos clustered for a map."""

    queryset = Place.objects.all()
    pagination_class = None
    filter_backends = []

    @extend_schema(responses=PlaceCountSerializer(many=True))
    def list(self, request: Request) -> Response:
        """Countries, regions and cities of the caller's photos, each with how many are in it."""
        rows = place_counts(user=request.user)
        return Response(PlaceCountSerializer(rows, many=True).data)

    @extend_schema(parameters=[MapQuerySerializer], responses=MapClusterSerializer(many=True))
    @action(detail=False, url_path="map")
    def map(self, request: Request) -> Response:
        """The caller's geotagged photos in a bounding box, clustered on a grid for the zoom.

        Counts add up to the photos in the box; a box with west > east crosses 180 degrees.
        """
        query = MapQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        west, south, east, north = query.validated_data["bbox"]
        clusters = map_clusters(
            user=request.user,
            west=west,
            south=south,
            east=east,
            north=north,
            zoom=query.validated_data["zoom"],
        )
        return Response(MapClusterSerializer(clusters, many=True).data)
