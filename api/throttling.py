"""DRF throttles. SignInThrottle answers 429 with Retry-After to a locked-out username or
address before the view runs; name it on every view that checks a password. Admin's login
gets the same through signin_throttled."""

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from api.services.signin import client_address, signin_lockout_remaining


class SignInThrottle(BaseThrottle):
    def allow_request(self, request: Request, view) -> bool:
        if request.method != "POST":
            return True
        data = request.data
        username = data.get("username") if hasattr(data, "get") else None
        self.remaining = signin_lockout_remaining(
            username=username if isinstance(username, str) else None,
            address=client_address(request),
        )
        return self.remaining == 0

    def wait(self) -> float | None:
        return self.remaining


def signin_throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The same throttle for a plain Django login view (the admin's): a POST from a locked-out
    username or address is 429 with Retry-After, the form is not even read."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST":
            remaining = signin_lockout_remaining(
                username=request.POST.get("username"), address=client_address(request)
            )
            if remaining:
                return HttpResponse(
                    f"Too many failed sign-ins: try again in {remaining} seconds.\n",
                    status=429,
                    content_type="text/plain",
                    headers={"Retry-After": str(remaining)},
                )
        return view(request, *args, **kwargs)

    return wrapped
