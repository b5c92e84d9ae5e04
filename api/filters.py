"""django-filter FilterSets for the lists; `/api/search/` reuses PhotoFilter."""

import django_filters
from django.db.models import QuerySet

from api.models import Album, Photo


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
    favorite = django_filters.BooleanFilter(label="Only favourites (true) or only others (false)")
    video = django_filters.BooleanFilter(field_name="is_video", label="Only videos or only images")
    hidden = django_filters.BooleanFilter(
        label="true: the hidden photos (left out by default)", method="_keep"
    )
    in_trash = django_filters.BooleanFilter(
        label="true: the trash (left out by default)", method="_keep"
    )

    class Meta:
        model = Photo
        fields = ["taken_after", "taken_before", "favorite", "video", "hidden", "in_trash"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        if data.get("in_trash"):
            queryset = queryset.filter(in_trash=True)
            return (
                queryset if data.get("hidden") is None else queryset.filter(hidden=data["hidden"])
            )
        return queryset.filter(in_trash=False, hidden=bool(data.get("hidden")))

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
