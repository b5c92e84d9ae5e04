"""Celery tasks: thin, each loads its rows by id and calls one service. Queues are routed in
settings.CELERY_TASK_ROUTES."""

from celery import shared_task
from django.db import OperationalError

from api.models import Photo, User
from api.services import faces


@shared_task(
    soft_time_limit=120,
    time_limit=150,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def photo_detect_faces(photo_id: int) -> None:
    """Detect and group a photo's faces; a photo deleted meanwhile is nothing to do."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        faces.photo_detect_faces(photo=photo)


@shared_task(
    soft_time_limit=1800,
    time_limit=1900,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
)
def user_cluster_faces(user_id: int) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        faces.faces_cluster(owner=user)
