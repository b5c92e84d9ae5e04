from rest_framework import serializers


class TimelineDaySerializer(serializers.Serializer):
    date = serializers.DateField(allow_null=True, help_text="Local day where taken; null: undated")
    count = serializers.IntegerField()


class TimelineMonthSerializer(serializers.Serializer):
    month = serializers.CharField(
        allow_null=True, help_text="YYYY-MM (local month where taken); null: undated photos"
    )
    count = serializers.IntegerField()


class MonthRowsSerializer(serializers.Serializer):
    """One month as parallel arrays: index i of every list is the same photo. Documents the
    shape; the view answers plain dicts (a month may hold tens of thousands of photos)."""

    month = serializers.CharField(allow_null=True, help_text="YYYY-MM; null: undated photos")
    count = serializers.IntegerField()
    ids = serializers.ListField(child=serializers.IntegerField())
    widths = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), help_text="Displayed width, px"
    )
    heights = serializers.ListField(
        child=serializers.IntegerField(allow_null=True), help_text="Displayed height, px"
    )
    # Strings, not date-times: a photo whose zone is unknown has no offset (schemathesis).
    taken_at = serializers.ListField(
        child=serializers.CharField(allow_null=True),
        help_text="ISO 8601 in the photo's own offset when known, else local time without one",
    )
    dates = serializers.ListField(
        child=serializers.DateField(allow_null=True), help_text="Local day where taken"
    )
    durations = serializers.ListField(
        child=serializers.FloatField(allow_null=True), help_text="Seconds, for videos"
    )
    favorites = serializers.ListField(child=serializers.BooleanField())
    places = serializers.DictField(
        child=serializers.CharField(),
        help_text='Each day\'s most common place, when known: {"2019-07-04": "Paris, France"}',
    )


class PhotoIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField())


class TimelineRangeQuerySerializer(serializers.Serializer):
    start = serializers.IntegerField(required=False, help_text="A photo id (one end, included)")
    end = serializers.IntegerField(required=False, help_text="A photo id (other end, included)")
