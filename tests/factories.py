import hashlib
from pathlib import Path

import factory

from api.models import File, Photo, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


def corpus_photo(*, owner: User, path: Path, entry: dict) -> Photo:
    """A Photo and its File for a corpus file, with the manifest's displayed size."""
    content = path.read_bytes()
    photo = Photo.objects.create(
        owner=owner,
        content_hash=hashlib.sha256(content).hexdigest(),
        mime=entry["mime"],
        width=entry["display_width"],
        height=entry["display_height"],
        orientation=entry["orientation"],
    )
    stat = path.stat()
    File.objects.create(
        owner=owner,
        photo=photo,
        path=str(path),
        size=stat.st_size,
        mtime_ns=stat.st_mtime_ns,
        content_hash=photo.content_hash,
        mime=entry["mime"],
    )
    return photo
