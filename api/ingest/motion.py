"""The video of a motion photo: a companion file kept beside the photo (a Takeout's
`MVIMG_1.MP`), or the MP4 a Pixel appends to its JPEG (XMP MicroVideoOffset / the
container item's Length, counted from the end of the file)."""

import io
import os
from pathlib import Path
from typing import BinaryIO

from api.exceptions import NotFound
from api.models import Photo


class _Tail(io.RawIOBase):
    """The last `length` bytes of a file, read lazily."""

    def __init__(self, path: Path, length: int) -> None:
        self._fh = path.open("rb")
        size = os.fstat(self._fh.fileno()).st_size
        if not 0 < length < size:
            self._fh.close()
            raise NotFound("The motion photo's video offset is outside its file.")
        self._fh.seek(size - length)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._fh.readinto(buffer)

    def close(self) -> None:
        self._fh.close()
        super().close()


def motion_video_open(*, photo: Photo) -> BinaryIO:
    """An open stream of the photo's video; NotFound when it is no motion photo."""
    if photo.motion_path and Path(photo.motion_path).is_file():
        return Path(photo.motion_path).open("rb")
    if photo.motion_offset:
        file = photo.files.filter(missing=False, error="").order_by("pk").first()
        if file is not None:
            return io.BufferedReader(_Tail(Path(file.path), photo.motion_offset))
    raise NotFound("This photo has no motion video.")
