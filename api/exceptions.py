"""Domain errors. Services raise these; one DRF handler and the commands translate them."""


class OwnPhotosError(Exception):
    status_code = 400
    code = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotAnImage(OwnPhotosError):
    code = "not_an_image"


class ImageTooLarge(OwnPhotosError):
    code = "image_too_large"


class UnreadableFile(OwnPhotosError):
    code = "unreadable_file"


class PathOutsideLibrary(OwnPhotosError):
    code = "path_outside_library"


class InvalidLibrary(OwnPhotosError):
    code = "invalid_library"


class ModelNotInstalled(OwnPhotosError):
    status_code = 503
    code = "model_not_installed"


class NotFound(OwnPhotosError):
    status_code = 404
    code = "not_found"


class Conflict(OwnPhotosError):
    status_code = 409
    code = "conflict"


class DownloadFailed(OwnPhotosError):
    status_code = 502
    code = "download_failed"


class ChecksumMismatch(DownloadFailed):
    code = "checksum_mismatch"


class UnknownPhotos(OwnPhotosError):
    """Photo ids that are not among the acting user's photos (missing or someone else's): 404,
    as another user's object is everywhere."""

    status_code = 404
    code = "unknown_photos"

    def __init__(self, ids: list[int]) -> None:
        super().__init__(f"These photos are not in your library: {', '.join(map(str, ids))}")
        self.ids = ids


class UnknownUser(OwnPhotosError):
    code = "unknown_user"


class UploadTooLarge(OwnPhotosError):
    status_code = 413
    code = "upload_too_large"
