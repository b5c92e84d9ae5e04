import datetime as dt

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import Photo
from api.selectors.timeline import timeline_day_photos, timeline_days
from api.serializers.photos import PhotoListSerializer
from api.serializers.timeline import TimelineDaySerializer
from api.views.base import OwnedViewSet
from api.views.pagination import PhotoCursorPagination


class TimelineViewSet(OwnedViewSet):
    """Days with photos, and one day's photos; hidden and trashed photos are left out."""

    queryset = Photo.objects.all()
    # The caller's own photos, not those of albums shared with them.
    owned_actions = ("list", "day")
    pagination_class = None
    filter_backends = []
    serializer_class = PhotoListSerializer

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        return qs

    @extend_schema(responses=TimelineDaySerializer(many=True))
    def list(self, request: Request) -> Response:
        # Thousands of days: plain dicts, the serializer only documents the shape.
        days = timeline_days(photos=self.get_queryset())
        return Response([{"date": day, "count": count} for day, count in days])

    @extend_schema(
        operation_id="timeline_day",
        parameters=[OpenApiParameter("date", str, OpenApiParameter.PATH, description="YYYY-MM-DD")],
        responses=PhotoListSerializer(many=True),
    )
    @action(
        detail=False,
        url_path=r"(?P<date>\d{4}-\d{2}-\d{2})",
        pagination_class=PhotoCursorPagination,
    )
    def day(self, request: Request, date: str) -> Response:
        try:
            day = dt.date.fromisoformat(date)
        except ValueError as exc:
            raise serializers.ValidationError({"date": "Not a calendar day."}) from exc
        photos = timeline_day_photos(photos=self.get_queryset(), day=day)
        page = self.paginate_queryset(photos)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
