from rest_framework import serializers


class ModelPhotosSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="Done at the installed version")
    stale = serializers.IntegerField(help_text="Not run yet, or made by another version")
    skipped = serializers.IntegerField(help_text="Skipped while the model was missing")
    failed = serializers.IntegerField()


class ModelStateSerializer(serializers.Serializer):
    name = serializers.CharField()
    step = serializers.CharField(help_text="The pipeline step that uses it")
    description = serializers.CharField()
    installed = serializers.BooleanField()
    version = serializers.CharField(allow_null=True, help_text="What runs now; null if missing")
    install_command = serializers.CharField(
        allow_null=True, help_text="How to install it; null when it ships with a package"
    )
    photos = ModelPhotosSerializer()
    data_versions = serializers.DictField(
        child=serializers.IntegerField(), help_text="Version -> photos whose data it made"
    )


class DatabaseSerializer(serializers.Serializer):
    vendor = serializers.CharField()
    version = serializers.CharField()
    name = serializers.CharField()


class BrokerSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="redis, filesystem, …")


class ServerStateSerializer(serializers.Serializer):
    version = serializers.CharField()
    database = DatabaseSerializer()
    broker = BrokerSerializer()
    workers = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Workers answering a ping now; null where the broker cannot ask",
    )
    queues = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text="Messages waiting per queue; null where the broker does not tell",
    )


class ConfigSerializer(serializers.Serializer):
    map_style_url = serializers.CharField(
        allow_null=True, help_text="A MapLibre style URL; null: the bundled offline basemap"
    )
    trash_retention_days = serializers.IntegerField()


class UpdatesSerializer(serializers.Serializer):
    photos = serializers.DictField(help_text="count, changed_at")
    faces = serializers.DictField(help_text="count, unknown")
    people = serializers.DictField(help_text="changed_at")
    jobs = serializers.DictField(
        help_text="active, done, total (of active jobs), latest, finished_at, heartbeat_at"
    )


class TrashPhotoSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    trashed_at = serializers.DateTimeField(allow_null=True)
    days_left = serializers.IntegerField(help_text="Days before the daily purge deletes it")


class TrashSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    retention_days = serializers.IntegerField()
    photos = TrashPhotoSerializer(many=True)


class TrashEmptiedSerializer(serializers.Serializer):
    photos = serializers.IntegerField(help_text="Photos deleted")
    files = serializers.IntegerField(help_text="Uploaded originals deleted")
