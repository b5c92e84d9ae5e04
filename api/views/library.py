"""Library-wide reads of the web app: models, server state, client config, live updates and
the trash. None takes an object id: each answers about the caller (or, for staff, the server)."""

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.selectors.models import models_state
from api.selectors.server import server_state
from api.selectors.trash import trash_contents
from api.selectors.updates import library_updates, updates_etag
from api.serializers.library import (
    ConfigSerializer,
    ModelStateSerializer,
    ServerStateSerializer,
    TrashEmptiedSerializer,
    TrashSerializer,
    UpdatesSerializer,
)
from api.services.trash import RETENTION, trash_empty


class ModelsView(APIView):
    @extend_schema(responses=ModelStateSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Each model: installed or the command that installs it, the version that runs, and
        the caller's photos done at it or stale."""
        states = models_state(owner=request.user)
        return Response(ModelStateSerializer(states, many=True).data)


class ServerView(APIView):
    permission_classes = [permissions.IsAdminUser]

    @extend_schema(responses=ServerStateSerializer)
    def get(self, request: Request) -> Response:
        """Staff only: version, database, broker, workers answering now, queue lengths."""
        return Response(ServerStateSerializer(server_state()).data)


class ConfigView(APIView):
    @extend_schema(responses=ConfigSerializer)
    def get(self, request: Request) -> Response:
        """What the web app needs to know of the server's settings."""
        config = {
            "map_style_url": settings.MAP_STYLE_URL or None,
            "trash_retention_days": RETENTION.days,
        }
        return Response(ConfigSerializer(config).data)


class UpdatesView(APIView):
    @extend_schema(
        responses={
            200: UpdatesSerializer,
            304: OpenApiResponse(description="Nothing changed since the ETag sent"),
        }
    )
    def get(self, request: Request) -> Response:
        """A summary of the caller's library that changes when photos are processed, faces
        found or jobs progress: poll it with `If-None-Match`."""
        summary = library_updates(user=request.user)
        etag = updates_etag(summary)
        if etag in request.headers.get("If-None-Match", ""):
            response = Response(status=304)
        else:
            response = Response(UpdatesSerializer(summary).data)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


class TrashView(APIView):
    @extend_schema(responses=TrashSerializer)
    def get(self, request: Request) -> Response:
        """The caller's trash, soonest purged first, with the days left for each photo."""
        return Response(TrashSerializer(trash_contents(user=request.user)).data)


class TrashEmptyView(APIView):
    @extend_schema(request=None, responses=TrashEmptiedSerializer)
    def post(self, request: Request) -> Response:
        """Delete every photo in the caller's trash now (originals in library folders stay)."""
        return Response(TrashEmptiedSerializer(trash_empty(by=request.user)).data)
