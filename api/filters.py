"""django-filter FilterSets for the lists; `/api/search/` reuses PhotoFilter."""

import django_filters
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from rest_framework.exceptions import ValidationError

from api.models import Album, AlbumPhoto, Face, Photo, PhotoTag
from api.serializers.fields import IdFilter


class PhotoFilter(django_filters.FilterSet):
    """Filters of `/api/photos/`. Hidden and trashed photos are left out unless asked for:
    `hidden=true` lists the hidden photos, `in_trash=true` the trash (hidden or not).

    Dates are calendar days where the photo was taken (`taken_date`), both ends included.
    """

    taken_after = django_filters.DateFilter(
        field_name="taken_date", lookup_expr="gte", label="Taken on or after this day"
    )
    taken_before = django_filters.DateFilter(
        field_name="taken_date", lookup_expr="lte", label="Taken on or before this day"
    )
    tag = django_filters.CharFilter(
        method="_tag", label="Only photos with this tag (a scene, e.g. beach); case-insensitive"
    )
    person = IdFilter(label="Only photos with a face of this person (id)", method="_person")
    favorite = django_filters.BooleanFilter(label="Only favourites (true) or only others (false)")
    video = django_filters.BooleanFilter(field_name="is_video", label="Only videos or only images")
    place = django_filters.CharFilter(
        method="_place", label="A place name at any level (city, region or country), any case"
    )
    place_id = IdFilter(
        method="_place_id", label="A place id from /api/places/: photos there or inside it"
    )
    bbox = django_filters.CharFilter(
        method="_bbox",
        label="W,S,E,N in degrees: photos taken inside this box (west > east crosses 180°)",
    )
    hidden = django_filters.BooleanFilter(
        label="true: the hidden photos (left out by default)", method="_keep"
    )
    in_trash = django_filters.BooleanFilter(
        label="true: the trash (left out by default)", method="_keep"
    )

    class Meta:
        model = Photo
        fields = [
            "taken_after",
            "taken_before",
            "tag",
            "person",
            "favorite",
            "video",
            "place",
            "place_id",
            "bbox",
            "hidden",
            "in_trash",
        ]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("in_trash"):
            queryset = queryset.filter(in_trash=True)
            return (
                queryset if data.get("hidden") is None else queryset.filter(hidden=data["hidden"])
            )
        return queryset.filter(in_trash=False, hidden=bool(data.get("hidden")))

    def _tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        tagged = PhotoTag.objects.filter(photo=OuterRef("pk"), name__iexact=value.strip())
        return queryset.filter(Exists(tagged))

    def _place(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.at_place(value.strip())

    def _place_id(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.in_place(value)

    def _bbox(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """The map's cluster cells, as /api/places/map/ counts them: (0, 0) is no fix."""
        try:
            west, south, east, north = (float(part) for part in value.split(","))
        except ValueError as exc:
            raise ValidationError({"bbox": "Give four numbers: west,south,east,north."}) from exc
        queryset = queryset.filter(gps_lat__gte=south, gps_lat__lte=north).exclude(
            gps_lat=0, gps_lon=0
        )
        if west <= east:
            return queryset.filter(gps_lon__gte=west, gps_lon__lte=east)
        return queryset.filter(Q(gps_lon__gte=west) | Q(gps_lon__lte=east))

    def _person(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        """A subquery, not a join: a photo with two faces of one person is listed once."""
        return queryset.filter(pk__in=Face.objects.filter(person_id=value).values("photo_id"))

    def _keep(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Applied once in filter_queryset, where the default needs the absent case too."""
        return queryset


class AlbumFilter(django_filters.FilterSet):
    """Filters of `/api/albums/`: `kind=user` for the user's own albums, `kind=event` for
    the events grouped from their photos."""

    kind = django_filters.ChoiceFilter(choices=Album.Kind.choices)

    class Meta:
        model = Album
        fields = ["kind"]


class TimelineFilter(PhotoFilter):
    """PhotoFilter plus `album`: the photos of an album the caller may see, shared ones too.

    The queryset it narrows is the caller's own photos (`for_user`: the month queries then
    read the (owner, taken_date) index alone). An album may hold another user's photos when it
    is shared with the caller, so `album` starts again from the photos the caller may see
    (`visible_to`, never wider) in an album they may see. Within an album the owner's hidden
    photos stay, as the album's own list shows them, unless `hidden` says otherwise.
    """

    album = django_filters.NumberFilter(
        method="_keep", label="Only the photos of this album (id; albums shared with you too)"
    )

    ordered = django_filters.BooleanFilter(
        method="_keep",
        label="With `album`: the album's photos in the album's own order, as one bucket",
    )

    class Meta(PhotoFilter.Meta):
        fields = [*PhotoFilter.Meta.fields, "album", "ordered"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        data = self.form.cleaned_data
        if data.get("album") is None:
            if data.get("ordered"):
                raise ValidationError({"ordered": "Only with `album`."})
            return super().filter_queryset(queryset)
        user = self.request.user
        album = Album.objects.visible_to(user).filter(pk=int(data["album"]))
        members = Photo.objects.filter(memberships__album__in=album).values("pk")
        queryset = Photo.objects.visible_to(user).filter(pk__in=members)
        if data.get("hidden") is None and not data.get("in_trash"):
            # PhotoFilter would drop hidden photos; an album keeps them.
            queryset = django_filters.FilterSet.filter_queryset(self, queryset)
            queryset = queryset.filter(in_trash=False)
        else:
            queryset = super().filter_queryset(queryset)
        return self._album_order(queryset, album.first()) if data.get("ordered") else queryset

    @staticmethod
    def _album_order(queryset: QuerySet, album: Album | None) -> QuerySet:
        """The album's order (as its photo list): manual by position, else oldest first."""
        if album is None or album.sort != Album.Sort.MANUAL:
            return queryset.order_by(F("taken_at").asc(nulls_last=True), "id")
        position = AlbumPhoto.objects.filter(album=album, photo=OuterRef("pk")).values("order")
        return queryset.annotate(album_position=Subquery(position[:1])).order_by(
            "album_position", "id"
        )
