"""Input fields shared by the serializers and filters."""

from django import forms
from django_filters import NumberFilter
from rest_framework import serializers

# The largest value a database integer column holds: a bigger id in a request is a 400, not
# an OverflowError from the database driver.
MAX_ID = 2**63 - 1
# Pixel coordinates and other small counts fit a 32-bit column.
MAX_INT32 = 2**31 - 1


class IdField(serializers.IntegerField):
    """An object id in a request body: a positive integer the database can hold."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdFilter(NumberFilter):
    """An object id in a query string: a whole number the database can hold (a float, an
    exponent or a huge number is a 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
