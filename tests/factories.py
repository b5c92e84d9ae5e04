import datetime as dt
import hashlib
from pathlib import Path

import factory

from api.models import File, Job, Library, Photo, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("correct horse battery staple")


class LibraryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Library

    owner = factory.SubFactory(UserFactory)
    path = factory.Sequence(lambda n: f"/srv/photos/library{n}")


class PhotoFactory(factory.django.DjangoModelFactory):
    """A photo row as the metadata step leaves it: dated, sized, with its local day."""

    class Meta:
        model = Photo

    owner = factory.SubFactory(UserFactory)
    content_hash = factory.Sequence(lambda n: f"{n:064x}")
    mime = "image/jpeg"
    taken_at = factory.Sequence(
        lambda n: dt.datetime(2020, 1, 1, 12, tzinfo=dt.UTC) + dt.timedelta(hours=n)
    )
    taken_date = factory.LazyAttribute(lambda p: p.taken_at.date() if p.taken_at else None)
    width = 4000
    height = 3000


class FileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = File

    owner = factory.SelfAttribute("photo.owner")
    photo = factory.SubFactory(PhotoFactory)
    path = factory.Sequence(lambda n: f"/srv/photos/library/img{n}.jpg")
    size = 1000
    mtime_ns = 0
    content_hash = factory.SelfAttribute("photo.content_hash")
    mime = "image/jpeg"


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    owner = factory.SubFactory(UserFactory)
    kind = Job.Kind.SCAN


def corpus_photo(*, owner: User, path: Path, entry: dict) -> Photo:
    """A Photo and its File for a corpus file, with the manifest's displayed size; its folder
    is one of the owner's libraries, as after a scan (originals open only inside those)."""
    Library.objects.get_or_create(owner=owner, path=str(path.parent.resolve()))
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


def photo_from_file(*, owner, path: Path) -> Photo:
    """Register and extract one file as `owner`'s photo, its folder made a library of theirs
    (files outside the owner's libraries are never opened)."""
    from api.ingest.pipeline import file_extract, file_register

    Library.objects.get_or_create(owner=owner, path=str(Path(path).resolve().parent))
    return file_extract(file=file_register(owner=owner, path=path))
