from api.models.file import File
from api.models.job import Job
from api.models.photo import Photo
from api.models.place import GeocodeLookup, Place
from api.models.user import Library, User

__all__ = ["File", "GeocodeLookup", "Job", "Library", "Photo", "Place", "User"]
