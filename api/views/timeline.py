import dataclasses
import datetime as dt
import hashlib
import json

from django.db.models import QuerySet
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.exceptions import NotFound
from api.filters import TimelineFilter
from api.models import Photo
from api.selectors.timeline import (
    month_bounds,
    timeline_day_photos,
    timeline_days,
    timeline_month,
    timeline_months,
    timeline_range_ids,
    timeline_sequence,
)
from api.serializers.photos import PhotoListSerializer
from api.serializers.timeline import (
    MonthRowsSerializer,
    PhotoIdsSerializer,
    TimelineDaySerializer,
    TimelineMonthSerializer,
    TimelineRangeQuerySerializer,
)
from api.views.base import OwnedViewSet
from api.views.pagination import PhotoCursorPagination


class TimelineViewSet(OwnedViewSet):
    """Days with photos and one day's photos (hidden and trashed left out); months with photos,
    one month's rows and id ranges for the web grid, with the photo filters."""

    queryset = Photo.objects.all()
    # The caller's own photos, not those of albums shared with them (TimelineFilter's `album`
    # opens a shared album's photos to the month routes).
    owned_actions = ("list", "day", "months", "month", "range")
    pagination_class = None
    filter_backends = []
    # Used by the month routes only, which turn the filter backend on.
    filterset_class = TimelineFilter
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

    @extend_schema(filters=True, responses=TimelineMonthSerializer(many=True))
    @action(
        detail=False,
        filter_backends=[DjangoFilterBackend],
    )
    def months(self, request: Request) -> Response:
        """Months with photos and their counts, newest first, undated photos last (`month`
        null); with the filters of /api/photos/ and `album`."""
        photos = self.filter_queryset(self.get_queryset())
        if self._ordered():
            # An album in its own order is one bucket: dates do not order it.
            count = photos.count()
            return Response([{"month": None, "count": count}] if count else [])
        months = timeline_months(photos=photos)
        return Response([{"month": month, "count": count} for month, count in months])

    def _ordered(self) -> bool:
        """`ordered=true` (with `album`, checked by TimelineFilter): the album's own order."""
        return self.request.query_params.get("ordered", "").lower() in {"true", "1"}

    @extend_schema(
        operation_id="timeline_month",
        filters=True,
        parameters=[
            OpenApiParameter(
                "month", str, OpenApiParameter.PATH, description="YYYY-MM, or `undated`"
            )
        ],
        responses={
            200: MonthRowsSerializer,
            304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match"),
        },
    )
    @action(
        detail=False,
        url_path=r"months/(?P<month>\d{4}-\d{2}|undated)",
        filter_backends=[DjangoFilterBackend],
    )
    def month(self, request: Request, month: str) -> HttpResponse:
        """One month's photos newest first as parallel arrays, for a grid to lay out; with the
        filters of /api/photos/ and `album`. An ETag makes a re-fetch of an unchanged month a
        304."""
        key = None if month == "undated" else month
        try:
            month_bounds(key)
        except ValueError as exc:
            raise serializers.ValidationError({"month": "Not a month."}) from exc
        photos = self.filter_queryset(self.get_queryset())
        if self._ordered():
            if key is not None:
                raise NotFound("An album in its own order has one bucket: `undated`.")
            rows = timeline_sequence(photos=photos)
        else:
            rows = timeline_month(photos=photos, month=key)
        # Not dataclasses.asdict: it deep-copies every element (half the time of a big month).
        lists = {field.name: getattr(rows, field.name) for field in dataclasses.fields(rows)}
        data = {"month": key, "count": len(rows.ids), **lists}
        body = json.dumps(data, separators=(",", ":")).encode()
        etag = f'"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            return HttpResponseNotModified(headers=headers)
        return HttpResponse(body, content_type="application/json", headers=headers)

    @extend_schema(
        filters=True,
        parameters=[TimelineRangeQuerySerializer],
        responses={
            200: PhotoIdsSerializer,
            404: OpenApiResponse(description="`start` or `end` is not among the photos"),
        },
    )
    @action(
        detail=False,
        url_path="range",
        filter_backends=[DjangoFilterBackend],
    )
    def range(self, request: Request) -> Response:
        """Ids from `start` to `end` (both included) in timeline order, across months not
        loaded yet (shift-click); every id without them (select all)."""
        bounds = TimelineRangeQuerySerializer(data=request.query_params)
        bounds.is_valid(raise_exception=True)
        try:
            ids = timeline_range_ids(
                photos=self.filter_queryset(self.get_queryset()),
                ordered=self._ordered(),
                **bounds.validated_data,
            )
        except KeyError as exc:
            raise NotFound("No such photo among these.") from exc
        return Response({"ids": ids})
