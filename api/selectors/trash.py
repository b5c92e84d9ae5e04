"""The trash as the web app shows it: each photo with the days left before it is purged."""

import datetime as dt
import math

from django.utils import timezone

from api.models import Photo, User
from api.services.trash import RETENTION


def trash_days_left(*, trashed_at: dt.datetime | None, now: dt.datetime) -> int:
    """Whole days until the daily purge may take the photo (0: at the next purge)."""
    if trashed_at is None:
        return RETENTION.days
    left = (trashed_at + RETENTION - now).total_seconds() / 86400
    return max(0, math.ceil(left))


def trash_contents(*, user: User) -> dict:
    now = timezone.now()
    rows = (
        Photo.objects.for_user(user)
        .filter(in_trash=True)
        .order_by("trashed_at", "id")
        .values_list("id", "trashed_at")
    )
    photos = [
        {"id": pk, "trashed_at": at, "days_left": trash_days_left(trashed_at=at, now=now)}
        for pk, at in rows
    ]
    return {"count": len(photos), "retention_days": RETENTION.days, "photos": photos}
