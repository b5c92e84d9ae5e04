from api.models.album import Album, AlbumLink, AlbumPhoto, AlbumShare, EventGrouping
from api.models.file import File
from api.models.job import Job
from api.models.photo import Photo
from api.models.user import Library, User

__all__ = [
    "Album",
    "AlbumLink",
    "AlbumPhoto",
    "AlbumShare",
    "EventGrouping",
    "File",
    "Job",
    "Library",
    "Photo",
    "User",
]
