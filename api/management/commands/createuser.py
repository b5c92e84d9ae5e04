from django.core.management.base import BaseCommand, CommandError

from api.exceptions import OwnPhotosError
from api.services.users import user_create_or_update


class Command(BaseCommand):
    help = "Create a user, or update an existing one; --library may be repeated."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", help="set the password (required for a new user)")
        parser.add_argument("--admin", action="store_true", help="make the user an admin")
        parser.add_argument(
            "--library",
            action="append",
            default=[],
            metavar="DIR",
            help="add a library folder (repeatable)",
        )

    def handle(self, *args, username: str, password, admin: bool, library, **options) -> None:
        try:
            user = user_create_or_update(
                username=username,
                password=password,
                is_staff=True if admin else None,
                libraries=library,
            )
        except OwnPhotosError as exc:
            raise CommandError(exc.detail) from exc
        paths = ", ".join(user.libraries.values_list("path", flat=True)) or "none"
        self.stdout.write(f"user {user.username} (admin: {user.is_staff}); libraries: {paths}")
