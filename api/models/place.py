from django.db import models
from django.db.models import Q


class PlaceQuerySet(models.QuerySet):
    def for_user(self, user) -> "PlaceQuerySet":
        """Places where the user has a photo, at the place itself or anywhere below it."""
        return self.filter(
            Q(photos__owner=user)
            | Q(children__photos__owner=user)
            | Q(children__children__photos__owner=user)
        ).distinct()

    def visible_to(self, user) -> "PlaceQuerySet":
        return self.for_user(user)


class PlaceManager(models.Manager.from_queryset(PlaceQuerySet)):
    def ensure_path(
        self,
        *,
        country_code: str,
        country: str,
        region: str = "",
        city: str = "",
        lat: float | None = None,
        lon: float | None = None,
    ) -> "Place":
        """The most precise place of country > region > city, creating what is missing.

        Safe under concurrent workers: each level is a get_or_create on a unique key. A city
        whose region is unknown hangs directly under its country. `lat`/`lon` (of the named
        populated place) are stored on the city only.
        """
        place, _ = self.get_or_create(
            level=Place.Level.COUNTRY,
            parent=None,
            name=country,
            defaults={"country_code": country_code.upper()},
        )
        if region:
            place, _ = self.get_or_create(
                level=Place.Level.REGION,
                parent=place,
                name=region,
                defaults={"country_code": country_code.upper()},
            )
        if city:
            place, _ = self.get_or_create(
                level=Place.Level.CITY,
                parent=place,
                name=city,
                defaults={"country_code": country_code.upper(), "lat": lat, "lon": lon},
            )
        return place


class Place(models.Model):
    """A named area shared by all users: a country, its admin-1 region, or a city in it.

    Photos point at their most precise place; a photo counts for that place and its
    ancestors (see `api.selectors.places.place_counts`).
    """

    class Level(models.IntegerChoices):
        COUNTRY = 0, "country"
        REGION = 1, "region"
        CITY = 2, "city"

    level = models.PositiveSmallIntegerField(choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=200)
    country_code = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)

    objects = PlaceManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["level", "parent", "name"], name="place_unique_level_parent_name"
            ),
            # NULL parents are distinct in a unique index, so countries need their own.
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="place_unique_country"
            ),
        ]
        indexes = [models.Index(fields=["name"], name="place_name")]

    def __str__(self) -> str:
        return self.name

    def path(self) -> dict[str, str | None]:
        """`{"country", "state", "city"}` of this place, walking up through loaded parents."""
        names: dict[str, str | None] = {"country": None, "state": None, "city": None}
        key = {self.Level.COUNTRY: "country", self.Level.REGION: "state", self.Level.CITY: "city"}
        node: Place | None = self
        while node is not None:
            names[key[node.level]] = node.name
            node = node.parent
        return names


class GeocodeLookup(models.Model):
    """One online provider answer for coordinates rounded to 0.001 degree (about 100 m).

    Providers limit requests (Nominatim: one per second), so a photo taken where another
    already was costs no request. `answer` is `{}` when the provider knew no place there.
    """

    provider = models.CharField(max_length=32)
    lat_key = models.IntegerField(help_text="round(lat * 1000)")
    lon_key = models.IntegerField(help_text="round(lon * 1000)")
    answer = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "lat_key", "lon_key"], name="geocode_lookup_unique_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.lat_key / 1000},{self.lon_key / 1000}"
