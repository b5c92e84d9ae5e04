"""The authentication backend: Django's ModelBackend behind the sign-in throttle."""

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from api.models import User
from api.services.signin import (
    client_address,
    signin_failure_record,
    signin_lockout_remaining,
    signin_reset,
)


class ThrottledModelBackend(ModelBackend):
    """Every caller of authenticate() (token views, the web app's login, admin's login) is
    throttled here: while a username or address is locked out, not even the right password
    signs in; each failure is counted and a success resets the count."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs,
    ) -> User | None:
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if request is None or username is None or password is None:
            return super().authenticate(request, username, password, **kwargs)
        address = client_address(request)
        if signin_lockout_remaining(username=username, address=address):
            return None
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            signin_failure_record(username=username, address=address)
        else:
            signin_reset(username=username, address=address)
        return user
