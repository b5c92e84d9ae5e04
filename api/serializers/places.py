import math

from rest_framework import serializers

from api.selectors.places import MAX_ZOOM


class PlaceSerializer(serializers.Serializer):
    """A photo's place as the API shows it; fields absent at the place's precision are null."""

    country = serializers.CharField(allow_null=True)
    state = serializers.CharField(allow_null=True)
    city = serializers.CharField(allow_null=True)


class PlaceCountSerializer(PlaceSerializer):
    id = serializers.IntegerField(help_text="this place, for the photo list's place_id filter")
    count = serializers.IntegerField(help_text="the caller's photos here or anywhere inside")


class MapQuerySerializer(serializers.Serializer):
    bbox = serializers.CharField(
        help_text="west,south,east,north in degrees; west > east crosses the antimeridian"
    )
    zoom = serializers.IntegerField(min_value=0, max_value=MAX_ZOOM)

    def validate_bbox(self, value: str) -> tuple[float, float, float, float]:
        parts = value.split(",")
        if len(parts) != 4:
            raise serializers.ValidationError("Expected four numbers: west,south,east,north.")
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise serializers.ValidationError(
                "Expected four numbers: west,south,east,north."
            ) from None
        if not all(math.isfinite(v) for v in (west, south, east, north)):
            raise serializers.ValidationError("Coordinates must be finite numbers.")
        if not (-180 <= west <= 180 and -180 <= east <= 180):
            raise serializers.ValidationError("Longitudes must lie within -180..180.")
        if not (-90 <= south <= 90 and -90 <= north <= 90):
            raise serializers.ValidationError("Latitudes must lie within -90..90.")
        if south > north:
            raise serializers.ValidationError("South must not be above north.")
        return west, south, east, north


class MapClusterSerializer(serializers.Serializer):
    lat = serializers.FloatField()
    lon = serializers.FloatField()
    count = serializers.IntegerField()
    photo = serializers.IntegerField(help_text="id of a photo in the cluster, for its thumbnail")
