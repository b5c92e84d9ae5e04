import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict

from django.db.models import Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PagePagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class PhotoCursorPagination(BasePagination):
    """Keyset pagination in photo order: `taken_at` newest first, undated photos last, then id.

    DRF's CursorPagination keys on one field and cannot place NULLs, so the list is read as two
    index-ordered segments (dated, then undated) from the last key seen. Any page, however deep,
    is an index range scan of `page_size` rows. `count` is the filtered total, counted on the
    first page and carried in the cursors, so paging on costs no COUNT over the whole library.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
    cursor_query_param = "cursor"
    invalid_cursor_message = "Invalid cursor."

    def paginate_queryset(self, queryset: QuerySet, request: Request, view=None) -> list:
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self._page_size(request)
        forward, key, count = self._decode(request.query_params.get(self.cursor_query_param))
        self.count = queryset.count() if count is None else count
        fetch = self._after if forward else self._before
        rows = fetch(queryset, key, self.page_size + 1)
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if not forward:
            rows.reverse()
        first = _key(rows[0]) if rows else key
        last = _key(rows[-1]) if rows else key
        has_next = more if forward else key is not None
        has_previous = (key is not None) if forward else more
        self.next_cursor = (True, last) if has_next and last else None
        self.previous_cursor = (False, first) if has_previous and first else None
        return rows

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            OrderedDict(
                [
                    ("count", self.count),
                    ("next", self._link(self.next_cursor)),
                    ("previous", self._link(self.previous_cursor)),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": link,
                "previous": link,
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value, from `next` or `previous`.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Number of results per page (at most {self.max_page_size}).",
                "schema": {"type": "integer"},
            },
        ]

    def _page_size(self, request: Request) -> int:
        try:
            size = int(request.query_params[self.page_size_query_param])
        except (KeyError, ValueError):
            return self.page_size
        return min(max(size, 1), self.max_page_size)

    @staticmethod
    def _after(qs: QuerySet, key: tuple | None, limit: int) -> list:
        """Rows that follow `key` in list order (newest first, undated last)."""
        rows: list = []
        if key is None or key[0] is not None:
            dated = qs.filter(taken_at__isnull=False)
            if key is not None:
                taken_at, pk = key
                dated = dated.filter(taken_at__lte=taken_at).filter(
                    Q(taken_at__lt=taken_at) | Q(id__lt=pk)
                )
            rows = list(dated.order_by("-taken_at", "-id")[:limit])
        if len(rows) < limit:
            undated = qs.filter(taken_at__isnull=True)
            if key is not None and key[0] is None:
                undated = undated.filter(id__lt=key[1])
            rows += list(undated.order_by("-id")[: limit - len(rows)])
        return rows

    @staticmethod
    def _before(qs: QuerySet, key: tuple, limit: int) -> list:
        """Rows that precede `key` in list order, nearest first."""
        rows: list = []
        taken_at, pk = key
        if taken_at is None:
            undated = qs.filter(taken_at__isnull=True, id__gt=pk)
            rows = list(undated.order_by("id")[:limit])
        if len(rows) < limit:
            dated = qs.filter(taken_at__isnull=False)
            if taken_at is not None:
                dated = dated.filter(taken_at__gte=taken_at).filter(
                    Q(taken_at__gt=taken_at) | Q(id__gt=pk)
                )
            rows += list(dated.order_by("taken_at", "id")[: limit - len(rows)])
        return rows

    def _decode(self, cursor: str | None) -> tuple[bool, tuple | None, int | None]:
        if not cursor:
            return True, None, None
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor.encode()))
            taken_at = dt.datetime.fromisoformat(data["t"]) if data["t"] else None
            count = data.get("c")
            count = int(count) if count is not None else None
            return bool(data["f"]), (taken_at, int(data["i"])), count
        except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc

    def _link(self, cursor: tuple | None) -> str | None:
        if cursor is None:
            return None
        forward, (taken_at, pk) = cursor
        data = {
            "f": int(forward),
            "t": taken_at.isoformat() if taken_at else None,
            "i": pk,
            "c": self.count,
        }
        encoded = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
        url = remove_query_param(self.base_url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, encoded.decode())


def _key(photo) -> tuple:
    return (photo.taken_at, photo.pk)
