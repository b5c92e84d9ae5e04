"""Videos indexed before a missing duration was asked of ffprobe (a browser-recorded WebM
states none in its header) kept a null duration until `scan --full`. Their metadata step is
marked pending, so the next scan reads them again, once: a video that still has no duration
is done at the same version afterwards and not read again."""

from django.db import migrations


def videos_without_duration_reread(apps, schema_editor) -> None:
    Photo = apps.get_model("api", "Photo")
    stale = Photo.objects.filter(is_video=True, duration__isnull=True, steps__has_key="metadata")
    for photo in stale.only("pk", "steps").iterator(chunk_size=500):
        photo.steps["metadata"] = {"state": "pending", "version": ""}
        photo.save(update_fields=["steps"])


class Migration(migrations.Migration):
    dependencies = [("api", "0041_xmp_takeout")]

    operations = [
        migrations.RunPython(videos_without_duration_reread, migrations.RunPython.noop),
    ]
