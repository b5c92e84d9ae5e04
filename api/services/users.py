"""Users and their library folders: created by `createuser`, `bootstrap_admin` and /api/users/."""

import os
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from api.exceptions import InvalidLibrary, OwnPhotosError, PathOutsideLibrary
from api.models import Library, User


@transaction.atomic
def user_create_or_update(
    *,
    username: str,
    password: str | None = None,
    is_staff: bool | None = None,
    libraries: list[str | Path] | None = None,
) -> User:
    """Create the user or update the given fields; None leaves a field as it is.

    Staff users are superusers too (the admin site is theirs). `libraries` are added, never
    removed; each is validated by library_add, and nothing is saved if one is invalid.
    """
    user = User.objects.filter(username=username).first()
    if user is None:
        user = User.objects.create_user(username=username, password=password)
        if password is None:
            user.set_unusable_password()
    elif password is not None:
        user.set_password(password)
    if is_staff is not None:
        user.is_staff = user.is_superuser = is_staff
    user.is_active = True
    user.save()
    for path in libraries or []:
        library_add(user=user, path=path)
    return user


def library_path_validate(path: str | Path) -> Path:
    """The resolved folder (symlinks and '..' followed) if it may be a library, else raises.

    It must exist, be a readable folder, lie under one of settings.LIBRARY_ROOTS when those
    are set, and not contain the data folder (OwnPhotos never writes inside a library).
    """
    try:
        resolved = Path(path).expanduser().resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise InvalidLibrary(f"{path} does not exist") from exc
    if not resolved.is_dir():
        raise InvalidLibrary(f"{path} is not a folder")
    if not os.access(resolved, os.R_OK | os.X_OK):
        raise InvalidLibrary(f"{path} is not readable by OwnPhotos")
    roots = settings.LIBRARY_ROOTS
    if roots and not any(resolved.is_relative_to(root) for root in roots):
        allowed = ", ".join(str(root) for root in roots)
        raise PathOutsideLibrary(f"{path} is not under the allowed library folders ({allowed})")
    if Path(settings.DATA_DIR).is_relative_to(resolved):
        raise InvalidLibrary(f"{path} contains the OwnPhotos data folder {settings.DATA_DIR}")
    return resolved


def library_add(*, user: User, path: str | Path) -> Library:
    """Add a folder to `user`'s libraries; adding the same folder again returns it.

    Raises InvalidLibrary when the folder is, contains or lies inside a library of another
    user or lies inside one of this user's own libraries (it is scanned already).
    """
    resolved = library_path_validate(path)
    for library in Library.objects.all().select_related("owner"):
        existing = Path(library.path)
        if existing == resolved and library.owner_id == user.pk:
            return library
        overlaps = resolved.is_relative_to(existing) or existing.is_relative_to(resolved)
        if not overlaps:
            continue
        if library.owner_id != user.pk:
            raise InvalidLibrary(f"{path} overlaps another user's library")
        if resolved.is_relative_to(existing):
            raise InvalidLibrary(f"{path} is already inside your library {existing}")
    return Library.objects.create(owner=user, path=str(resolved))


def user_deactivate(*, user: User) -> User:
    """Stop the user from logging in and end their sessions; photos, files and libraries stay."""
    user.is_active = False
    user.save(update_fields=["is_active"])
    user_tokens_revoke(user=user)
    return user


def user_tokens_revoke(*, user: User) -> int:
    """Blacklist every refresh token `user` holds, so none mints another access token (a
    password change, a deactivation, signing out everywhere). Returns how many it ended."""
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(revoked)


def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The user's own change: the current password must be right (the new one is validated
    by the serializer, as `createuser` validates it)."""
    if not user.check_password(old_password):
        raise OwnPhotosError("The current password is not right.")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    return user


def tokens_flush_expired() -> int:
    """Delete refresh tokens past their expiry (their blacklist entries go with them): they can
    no longer be used, and the tables would otherwise grow by a row a sign-in and a refresh
    forever. Returns how many were deleted."""
    expired = OutstandingToken.objects.filter(expires_at__lte=timezone.now())
    return expired.delete()[1].get("token_blacklist.OutstandingToken", 0)
