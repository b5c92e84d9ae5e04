import secrets

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.exceptions import OwnPhotosError
from api.models import User
from api.services.users import library_add, user_create_or_update

USERNAME = "admin"


class Command(BaseCommand):
    help = (
        "Create the user admin if missing (password from OWNPHOTOS_ADMIN_PASSWORD, or generated "
        "and printed once) and add the library folder. Safe to run at every start."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--library", metavar="DIR", help="library folder for admin")

    def handle(self, *args, library: str | None, **options) -> None:
        try:
            user = User.objects.filter(username=USERNAME).first()
            if user is None:
                password = settings.ADMIN_PASSWORD or secrets.token_urlsafe(12)
                user = user_create_or_update(username=USERNAME, password=password, is_staff=True)
                if settings.ADMIN_PASSWORD:
                    self.stdout.write("Created user admin with OWNPHOTOS_ADMIN_PASSWORD.")
                else:
                    self.stdout.write(f"Created user admin with password: {password}")
            if library:
                added = library_add(user=user, path=library)
                self.stdout.write(f"admin's library: {added.path}")
        except OwnPhotosError as exc:
            raise CommandError(exc.detail) from exc
