"""What a browser can show of any original: a full-size JPEG of an image (HEIC, RAW, TIFF…,
orientation applied) and an H.264/AAC MP4 of a video it cannot play.

Both are made on demand and cached beside the thumbnails, keyed by owner and content hash,
each written to a temporary name and renamed, so a reader never sees half a file and making
one twice is harmless. A failed transcode leaves its reason in a `.failed` file next to where
the video would be, so a broken video is not transcoded again at every poll.
"""

import json
import logging
import os
import subprocess
import time
from pathlib import Path

from django.conf import settings
from PIL import Image

from api.exceptions import NotFound, PathOutsideLibrary, UnreadableFile
from api.ingest import thumbnails
from api.ingest.confinement import file_confine
from api.ingest.formats import media_open
from api.ingest.sniffing import sniff_path
from api.models import Photo

logger = logging.getLogger(__name__)

VERSION = "1"
FULL_QUALITY = 90
# What browsers play in <video>: H.264 (with AAC or no audio) in MP4/QuickTime, VP8/VP9/AV1
# (with Vorbis or Opus) in WebM.
_PLAYABLE = {
    "mp4": ({"h264"}, {"aac", "mp3"}),
    "webm": ({"vp8", "vp9", "av1"}, {"vorbis", "opus"}),
}
TRANSCODE_SECONDS = 3000


def original_path(*, photo: Photo) -> Path:
    """The first file on disk holding the photo's bytes; NotFound when every file of it is
    missing."""
    for file in photo.files.filter(missing=False).select_related("owner").order_by("path"):
        try:
            path = file_confine(file=file)
        except PathOutsideLibrary:
            continue
        if path.is_file():
            return path
    raise NotFound("No file of this photo is on disk.")


def _cache_path(photo: Photo, suffix: str) -> Path:
    digest = photo.content_hash
    return Path(settings.THUMBNAIL_DIR) / str(photo.owner_id) / digest[:2] / f"{digest}.{suffix}"


def full_path(*, photo: Photo) -> Path:
    return _cache_path(photo, f"full{VERSION}.jpg")


def full_make(*, photo: Photo) -> Path:
    """The full-size JPEG rendition of an image, made once; raises UnreadableFile when the
    original has no pixels (a metadata-only RAW, a broken file)."""
    target = full_path(photo=photo)
    if target.exists():
        return target
    source = original_path(photo=photo)
    media = media_open(source, sniff_path(source))
    try:
        if media.image is None:
            raise UnreadableFile(media.error or "no image data")
        image = media.image
        try:
            image.load()
        except thumbnails.DECODE_ERRORS as exc:
            raise UnreadableFile(f"cannot decode image: {exc}") from exc
        if media.apply_orientation:
            image = thumbnails.oriented(image, media.orientation)
        image = thumbnails.rgb(image)
        _atomic_save(image, target)
    finally:
        media.close()
    return target


def _atomic_save(image: Image.Image, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        image.save(tmp, "JPEG", quality=FULL_QUALITY)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def video_playable(*, photo: Photo, path: Path) -> bool:
    """Whether a browser plays the video at `path` as it is. ffprobe reads its container and
    codecs once; the verdict is cached (a `<video>` sends a Range request per seek)."""
    verdict = _cache_path(photo, f"video{VERSION}.probe")
    if verdict.exists():
        return verdict.read_text() == "playable"
    playable = _probe_playable(path)
    verdict.parent.mkdir(parents=True, exist_ok=True)
    tmp = verdict.with_name(f".{verdict.name}.{os.getpid()}.tmp")
    tmp.write_text("playable" if playable else "transcode")
    os.replace(tmp, verdict)
    return playable


def _probe_playable(path: Path) -> bool:
    entries = "format=format_name:stream=codec_type,codec_name"
    command = ["ffprobe", "-v", "error", "-show_entries", entries, "-of", "json", str(path)]
    done = subprocess.run(command, capture_output=True, timeout=60, check=False)
    if done.returncode != 0:
        return False
    probe = json.loads(done.stdout or b"{}")
    formats = set(probe.get("format", {}).get("format_name", "").split(","))
    streams = probe.get("streams", [])
    video = {s.get("codec_name") for s in streams if s.get("codec_type") == "video"}
    audio = {s.get("codec_name") for s in streams if s.get("codec_type") == "audio"}
    for container, (video_codecs, audio_codecs) in _PLAYABLE.items():
        if container in formats and video and video <= video_codecs and audio <= audio_codecs:
            return True
    return False


def video_path(*, photo: Photo) -> Path:
    """Where the browser-playable MP4 of a video is cached; it may not exist yet."""
    return _cache_path(photo, f"video{VERSION}.mp4")


def video_failure(*, photo: Photo) -> str | None:
    """Why the last transcode of this video failed, or None."""
    marker = video_path(photo=photo).with_suffix(".failed")
    return marker.read_text() if marker.exists() else None


def video_transcode(*, photo: Photo) -> Path | None:
    """Transcode a video to H.264/AAC MP4 (fast start, so it streams) into the cache; returns
    its path, or None when ffmpeg failed (the reason is then in `video_failure`). Idempotent:
    a cached MP4 is returned as it is."""
    target = video_path(photo=photo)
    if target.exists():
        return target
    source = original_path(photo=photo)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp.mp4")
    command = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(source)]
    # Even dimensions for yuv420p; AAC stereo; the index first so playback starts at once.
    command += ["-map", "0:v:0", "-map", "0:a:0?", "-c:v", "libx264", "-preset", "veryfast"]
    command += ["-crf", "23", "-pix_fmt", "yuv420p", "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2"]
    command += ["-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", str(tmp)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=TRANSCODE_SECONDS, check=False)
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip()[-500:] or "ffmpeg failed"
            target.with_suffix(".failed").write_text(f"cannot transcode: {reason}")
            logger.warning("cannot transcode photo %s: %s", photo.pk, reason)
            return None
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        target.with_suffix(".queued").unlink(missing_ok=True)
    return target


def video_queue_claim(*, photo: Photo) -> bool:
    """True when a transcode of this video should be queued now: none is cached, none failed,
    and none was queued within the task's time limit (so polling clients queue it once)."""
    target = video_path(photo=photo)
    if target.exists() or video_failure(photo=photo) is not None:
        return False
    marker = target.with_suffix(".queued")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except FileExistsError:
        if time.time() - marker.stat().st_mtime < TRANSCODE_SECONDS + 120:
            return False
        marker.touch()
        return True
    os.close(fd)
    return True
