"""Files answered with HTTP Range support: originals, full renditions and videos.

Django's FileResponse has no Range; `<video>` needs it to seek and Safari will not play
without it. One `bytes=` range is served (206); several, as browsers never ask for them,
get the whole file; a range past the end is 416.
"""

import re
from collections.abc import Iterator
from pathlib import Path

from django.http import FileResponse, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.http import content_disposition_header, parse_etags
from rest_framework.request import Request

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _chunks(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        fh.seek(start)
        while length > 0:
            data = fh.read(min(CHUNK, length))
            if not data:
                return
            length -= len(data)
            yield data


def ranged_file_response(
    *,
    request: Request,
    path: Path,
    content_type: str,
    etag: str,
    filename: str | None = None,
    cache: str = "private, max-age=3600",
) -> HttpResponse:
    """`path` whole (200) or the asked byte range (206), with ETag (304 when it matches);
    `filename` adds `Content-Disposition: attachment`."""
    size = path.stat().st_size
    headers = {"ETag": etag, "Cache-Control": cache, "Accept-Ranges": "bytes"}
    if filename:
        headers["Content-Disposition"] = content_disposition_header(True, filename)
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        return HttpResponseNotModified(headers=headers)
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if_range = request.headers.get("If-Range")
    if match is None or (if_range and if_range != etag) or match.groups() == ("", ""):
        response = FileResponse(
            path.open("rb"),
            content_type=content_type,
            headers=headers,
            as_attachment=bool(filename),
            filename=filename or "",
        )
        response["Content-Length"] = str(size)
        return response
    first, last = match.groups()
    if first == "":  # the last N bytes
        start, end = max(0, size - int(last)), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        return HttpResponse(status=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    length = end - start + 1
    response = StreamingHttpResponse(
        _chunks(path, start, length), status=206, content_type=content_type, headers=headers
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(length)
    return response
