"""Geography: the offline place index, online providers, the geocoding step and distances."""
