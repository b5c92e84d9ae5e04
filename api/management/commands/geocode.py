import json

from django.core.management.base import BaseCommand, CommandError

from api.ml.geocode import photos_geocode_enqueue_stale
from api.models import Photo, User


class Command(BaseCommand):
    help = (
        "Queue reverse geocoding for photos whose place is stale: never geocoded, made by another "
        "provider or rules version (after changing OWNPHOTOS_GEOCODER), or whose GPS changed. "
        'Prints {"queued": N}.'
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="only this user's photos (default: everyone's)")

    def handle(self, *args, user: str | None, **options) -> None:
        photos = Photo.objects.all()
        if user is not None:
            owner = User.objects.filter(username=user).first()
            if owner is None:
                raise CommandError(f"No user named {user!r}.")
            photos = Photo.objects.for_user(owner)
        self.stdout.write(json.dumps({"queued": photos_geocode_enqueue_stale(photos=photos)}))
