import json

from django.core.management.base import BaseCommand, CommandError

from api.models import User
from api.services.enrichment import geocode_enqueue


class Command(BaseCommand):
    help = (
        "Queue reverse geocoding for photos whose place is stale: never geocoded, made by another "
        "provider or rules version (after changing OWNPHOTOS_GEOCODER), or whose GPS changed. "
        'Prints {"queued": N}.'
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="only this user's photos (default: everyone's)")

    def handle(self, *args, user: str | None, **options) -> None:
        owners = User.objects.order_by("id")
        if user is not None:
            owners = owners.filter(username=user)
            if not owners.exists():
                raise CommandError(f"No user named {user!r}.")
        queued = sum(geocode_enqueue(owner=owner) for owner in owners)
        self.stdout.write(json.dumps({"queued": queued}))
