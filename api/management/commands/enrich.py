import json

from django.core.management.base import BaseCommand, CommandError

from api.ingest.phash import phash_backfill
from api.models import Photo, User
from api.services.enrichment import enrichment_enqueue


class Command(BaseCommand):
    help = (
        "Bring every photo up to date with the current models: hash photos made before "
        "perceptual hashing (here, now), and queue faces, places, scene tagging and CLIP for "
        "photos that miss them or whose model version differs (after download_models or a new "
        'OWNPHOTOS_CLIP_*). Prints JSON {"phash": N, "faces": N, "geocode": N, "scenes": N, '
        '"clip": N}.'
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="only this user's photos (default: everyone's)")

    def handle(self, *args, user: str | None, **options) -> None:
        users = User.objects.all()
        if user:
            users = users.filter(username=user)
            if not users.exists():
                raise CommandError(f"no user {user!r}")
        totals = dict.fromkeys(("phash", "faces", "geocode", "scenes", "clip"), 0)
        for owner in users.order_by("id"):
            totals["phash"] += phash_backfill(photos=Photo.objects.for_user(owner))
            for step, count in enrichment_enqueue(owner=owner).items():
                totals[step] += count
        self.stdout.write(json.dumps(totals))
