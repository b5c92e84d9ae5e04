from django.core.files.uploadhandler import TemporaryFileUploadHandler
from rest_framework.parsers import MultiPartParser


class DiskMultiPartParser(MultiPartParser):
    """Multipart whose files always stream to a temporary file, never into memory."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = parser_context["request"]
        request.upload_handlers = [TemporaryFileUploadHandler(request)]
        return super().parse(stream, media_type, parser_context)
