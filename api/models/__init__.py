from api.models.embedding import Embedding
from api.models.file import File
from api.models.job import Job
from api.models.photo import Photo
from api.models.tag import PhotoTag
from api.models.user import Library, User

__all__ = ["Embedding", "File", "Job", "Library", "Photo", "PhotoTag", "User"]
