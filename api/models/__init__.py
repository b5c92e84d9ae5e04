from api.models.album import Album, AlbumLink, AlbumPhoto, AlbumShare, EventGrouping
from api.models.embedding import Embedding
from api.models.face import Face, FaceNotPerson
from api.models.file import File
from api.models.job import Job, JobBatch
from api.models.person import Person
from api.models.photo import Photo
from api.models.place import GeocodeLookup, Place
from api.models.tag import PhotoTag
from api.models.user import Library, User

__all__ = [
    "Album",
    "AlbumLink",
    "AlbumPhoto",
    "AlbumShare",
    "Embedding",
    "EventGrouping",
    "Face",
    "FaceNotPerson",
    "File",
    "GeocodeLookup",
    "Job",
    "JobBatch",
    "Library",
    "Person",
    "Photo",
    "PhotoTag",
    "Place",
    "User",
]
