from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    # The shared cache of settings.CACHES (sign-in throttling); idempotent.
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("api", "0010_photo_captioned_index")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
