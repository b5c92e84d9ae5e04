"""The one great-circle distance of the code base (geocoding and events): geopy's."""

from geopy.distance import great_circle

# The mean Earth radius (IUGG), as geopy's own default for great_circle.
EARTH_RADIUS_KM = 6371.0088


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points in degrees, in km."""
    return great_circle((lat1, lon1), (lat2, lon2), radius=EARTH_RADIUS_KM).km
