"""Celery tasks: thin adapters that load a row by id and call one pipeline function."""

from celery import shared_task
from django.conf import settings
from django.db import OperationalError
from geopy.exc import GeocoderServiceError

from api.ml import geocode
from api.models import Photo


@shared_task(
    # Only transient provider errors reach here (api.ml.geocode keeps the offline answer).
    autoretry_for=(GeocoderServiceError, OperationalError),
    retry_backoff=settings.GEOCODER_RETRY_BACKOFF,
    retry_backoff_max=6 * 3600,
    retry_jitter=True,
    max_retries=10,
    soft_time_limit=120,
    time_limit=150,
)
def photo_geocode(photo_id: int) -> None:
    """Link a photo to its place; a deleted photo is nothing to do."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is not None:
        geocode.photo_geocode(photo=photo)
