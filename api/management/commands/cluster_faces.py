import json

from django.core.management.base import BaseCommand, CommandError

from api.exceptions import OwnPhotosError
from api.models import User
from api.services.faces import faces_cluster


class Command(BaseCommand):
    help = (
        "Re-cluster unknown faces from scratch. Names, user-set faces, 'not this person' "
        "and hidden people are kept. Prints one line of JSON per user."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="Only this user (username); default: every user.")

    def handle(self, *args, **options) -> None:
        users = User.objects.order_by("pk")
        if options["user"]:
            users = users.filter(username=options["user"])
            if not users.exists():
                raise CommandError(f"No user named {options['user']!r}.")
        for user in users:
            try:
                result = faces_cluster(owner=user)
            except OwnPhotosError as error:
                raise CommandError(error.detail) from error
            self.stdout.write(json.dumps({"user": user.username, **result}))
