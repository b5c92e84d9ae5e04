from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import Photo
from api.selectors.things import things_list
from api.serializers.things import ThingSerializer
from api.views.base import OwnedViewSet


class ThingViewSet(OwnedViewSet):
    """Tags of the caller's library (hidden and trashed photos left out), most common first."""

    queryset = Photo.objects.all()
    filter_backends = []
    pagination_class = None

    @extend_schema(responses=ThingSerializer(many=True))
    def list(self, request: Request) -> Response:
        return Response(things_list(photos=self.get_queryset().in_library()))
