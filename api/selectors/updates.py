"""A small summary of what changed in a user's library, for the web app's polling: newly
processed photos, newly found faces, job progress. The client sends its ETag back, so an
unchanged library costs a 304 with no body."""

import hashlib
import json

from django.db.models import Count, Max, Q, Sum

from api.models import Face, Job, Person, Photo, User


def library_updates(*, user: User) -> dict:
    photos = Photo.objects.for_user(user).aggregate(count=Count("id"), changed=Max("updated_at"))
    faces = Face.objects.for_user(user).aggregate(
        count=Count("id"), unknown=Count("id", filter=Q(person__isnull=True))
    )
    people = Person.objects.for_user(user).aggregate(changed=Max("updated_at"))
    active = Job.objects.for_user(user).filter(state__in=[Job.State.QUEUED, Job.State.RUNNING])
    jobs = active.aggregate(active=Count("id"), done=Sum("done"), total=Sum("total"))
    last = Job.objects.for_user(user).aggregate(
        latest=Max("id"), finished=Max("finished_at"), beat=Max("heartbeat_at")
    )
    return {
        "photos": {"count": photos["count"], "changed_at": photos["changed"]},
        "faces": {"count": faces["count"], "unknown": faces["unknown"]},
        "people": {"changed_at": people["changed"]},
        "jobs": {
            "active": jobs["active"],
            "done": jobs["done"] or 0,
            "total": jobs["total"] or 0,
            "latest": last["latest"],
            "finished_at": last["finished"],
            "heartbeat_at": last["beat"],
        },
    }


def updates_etag(summary: dict) -> str:
    digest = hashlib.sha256(json.dumps(summary, sort_keys=True, default=str).encode())
    return f'"{digest.hexdigest()[:32]}"'
