"""The one place where API queries are scoped to the caller."""

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import SAFE_METHODS


class OwnedViewSet(viewsets.GenericViewSet):
    """Every object is looked up inside what the caller may see, so others' objects are 404.

    Subclasses set `queryset` (a model whose QuerySet has `for_user` and `visible_to`), may
    list `owned_actions`, and narrow results in `refine_queryset`; overriding `get_queryset` or
    `get_object` is refused.
    """

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("get_queryset", "get_object"):
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}; narrow results in refine_queryset instead"
                )

    # Reads that show only what the caller owns although sharing widens reads elsewhere: the
    # photos of an album shared with the caller open by id, but stay out of their lists.
    owned_actions: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet:
        qs, user = super().get_queryset(), self.request.user
        shared = self.request.method in SAFE_METHODS and self.action not in self.owned_actions
        qs = qs.visible_to(user) if shared else qs.for_user(user)
        return self.refine_queryset(qs)

    def refine_queryset(self, qs: QuerySet) -> QuerySet:
        return qs
