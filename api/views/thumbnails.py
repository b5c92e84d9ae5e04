"""Serving a thumbnail file: shared by the photo route, the public album route and face crops."""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpResponse, HttpResponseNotModified
from django.utils.http import parse_etags
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request

from api.exceptions import NotFound
from api.ingest import thumbnails
from api.models import Photo

SIZE_PARAMETER = OpenApiParameter(
    "size",
    str,
    OpenApiParameter.PATH,
    enum=["small", "big"],
    description="small: WebP, at most 256 px on the longest side; big: JPEG, at most 1440 px",
)
RESPONSES = {
    (200, "image/webp"): OpenApiTypes.BINARY,
    (200, "image/jpeg"): OpenApiTypes.BINARY,
    304: OpenApiResponse(description="Unchanged since the ETag in If-None-Match"),
    404: OpenApiResponse(description="No such photo for the caller, or no thumbnail yet"),
}


class FirstRenderer(BaseContentNegotiation):
    """An image route answers images or JSON errors whatever the Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def thumbnail_response(*, request: Request, photo: Photo, size: str, revalidate: bool = False):
    """The thumbnail image with ETag and Cache-Control, handed to nginx when
    THUMBNAIL_ACCEL_REDIRECT is set. NotFound until it exists.

    Only the browser keeps it ("private"). With `revalidate` (public links) it asks again
    every time (a cheap 304), so a revoked link ends at once, even for an open page.
    """
    path = thumbnails.thumbnail_path(photo=photo, size=size)
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise NotFound("This photo has no thumbnail yet.") from exc
    etag = f'"{photo.content_hash[:16]}-{size}-{thumbnails.VERSION}-{stat.st_mtime_ns:x}"'
    cache_control = (
        "private, no-cache"
        if revalidate
        else f"private, max-age={settings.THUMBNAIL_CACHE_SECONDS}"
    )
    return cached_file_response(
        request=request,
        path=path,
        etag=etag,
        mime=thumbnails.thumbnail_mime(size),
        cache_control=cache_control,
    )


def cached_file_response(
    *,
    request: Request,
    path: Path | Callable[[], Path],
    etag: str,
    mime: str,
    cache_control: str,
) -> HttpResponse:
    """A file under THUMBNAIL_DIR with its ETag and Cache-Control: 304 when If-None-Match has
    the ETag (a callable `path` is then not even called), handed to nginx when
    THUMBNAIL_ACCEL_REDIRECT is set."""
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    path = path() if callable(path) else path
    if settings.THUMBNAIL_ACCEL_REDIRECT:
        relative = path.relative_to(settings.THUMBNAIL_DIR).as_posix()
        target = f"{settings.THUMBNAIL_ACCEL_REDIRECT.rstrip('/')}/{relative}"
        return HttpResponse(content_type=mime, headers={**headers, "X-Accel-Redirect": target})
    return FileResponse(path.open("rb"), content_type=mime, headers=headers)
