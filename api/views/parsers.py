from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from rest_framework.parsers import MultiPartParser

from api.exceptions import UploadTooLarge

# Multipart boundaries and part headers around the file, allowed beyond its own size.
_FRAMING_BYTES = 64 * 1024


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(
        f"The upload is larger than this server accepts ({settings.UPLOAD_MAX_BYTES:,} bytes,"
        " OWNPHOTOS_UPLOAD_MAX_BYTES)."
    )


class _LimitedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    """Streams to a temporary file and stops at settings.UPLOAD_MAX_BYTES: a declared
    Content-Length past it is refused before the body is read, a body that grows past it
    (chunked, or lying about its length) as soon as it does."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > settings.UPLOAD_MAX_BYTES + _FRAMING_BYTES:
            raise _too_large()
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.UPLOAD_MAX_BYTES:
            self.file.close()
            raise _too_large()
        return super().receive_data_chunk(raw_data, start)


class DiskMultiPartParser(MultiPartParser):
    """Multipart whose files always stream to a temporary file, never into memory, and are
    refused with 413 past settings.UPLOAD_MAX_BYTES."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        request.upload_handlers = [_LimitedTemporaryFileUploadHandler(request)]
        return super().parse(stream, media_type, parser_context)
