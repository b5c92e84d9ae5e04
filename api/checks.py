"""System checks: `manage.py check` says what is misconfigured before a scan fails on it."""

import importlib.util
import os
import shutil

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def data_folder_writable(app_configs, **kwargs) -> list:
    if not os.access(settings.DATA_DIR, os.W_OK):
        return [
            Warning(
                f"The data folder {settings.DATA_DIR} is not writable.",
                hint="Set OWNPHOTOS_DATA to a folder this user can write.",
                id="ownphotos.W001",
            )
        ]
    return []


@register()
def external_tools(app_configs, **kwargs) -> list:
    missing = [tool for tool in ("exiftool", "ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        return [
            Warning(
                f"Not found on PATH: {', '.join(missing)}; RAW metadata and videos are skipped.",
                hint="apt-get install libimage-exiftool-perl ffmpeg",
                id="ownphotos.W002",
            )
        ]
    return []


@register()
def geocoder_known(app_configs, **kwargs) -> list:
    from api.geo.geocode import OFFLINE
    from api.geo.providers import PROVIDERS

    if settings.GEOCODER != OFFLINE and settings.GEOCODER not in PROVIDERS:
        return [
            Error(
                f"OWNPHOTOS_GEOCODER={settings.GEOCODER!r} is not a known geocoder.",
                hint=f"Use one of: {', '.join([OFFLINE, *PROVIDERS])}.",
                id="ownphotos.E010",
            )
        ]
    return []


@register()
def face_models(app_configs, **kwargs) -> list:
    missing = [
        name for name in ("dlib", "face_recognition_models") if not importlib.util.find_spec(name)
    ]
    if missing:
        return [
            Warning(
                f"Not installed: {', '.join(missing)}; faces are not detected.",
                hint="pip install -r requirements.txt (dlib-bin and face_recognition_models).",
                id="ownphotos.W010",
            )
        ]
    return []
