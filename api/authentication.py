"""Authentication by the httpOnly access cookie the web app's sign-in sets.

`<img src>`, `<video src>`, `<a download>` and a plain form post cannot send an Authorization
header; the short-lived access cookie lets them authenticate without the page holding a
long-lived secret. Reads (GET/HEAD/OPTIONS) need only the cookie; any other method also needs
a valid CSRF token, as DRF's SessionAuthentication asks, so another site cannot forge a write.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import CSRFCheck
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework_simplejwt.authentication import JWTAuthentication

ACCESS_COOKIE = "ownphotos_access"
REFRESH_COOKIE = "ownphotos_refresh"


def csrf_enforce(request: Request) -> None:
    """Raise PermissionDenied (403) unless the request carries the CSRF cookie's token in
    `X-CSRFToken` (or a form's `csrfmiddlewaretoken`) and, over HTTPS, a same-origin Referer."""
    check = CSRFCheck(lambda _request: None)
    # Populates request.META["CSRF_COOKIE"], which process_view compares with the token.
    check.process_request(request)
    reason = check.process_view(request, None, (), {})
    if reason:
        raise PermissionDenied(f"CSRF Failed: {reason}")


class CookieJWTAuthentication(JWTAuthentication):
    """A simplejwt access token read from the `ownphotos_access` cookie.

    Listed after the Bearer header class, so a request with both is authenticated by its
    header and needs no CSRF token. An expired or bad cookie authenticates no one (protected
    routes then answer 401) rather than failing the request: public album links stay open to
    a browser still holding a stale cookie.
    """

    def authenticate(self, request: Request):
        raw = request.COOKIES.get(ACCESS_COOKIE)
        if not raw:
            return None
        try:
            token = self.get_validated_token(raw.encode())
            user = self.get_user(token)
        except AuthenticationFailed:  # simplejwt's InvalidToken is one
            return None
        if request.method not in SAFE_METHODS:
            csrf_enforce(request)
        return user, token


class CookieJWTScheme(OpenApiAuthenticationExtension):
    """Describes the access cookie in the OpenAPI schema."""

    target_class = CookieJWTAuthentication
    name = "accessCookieAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": ACCESS_COOKIE,
            "description": "Set by POST /api/auth/login/; writes also need X-CSRFToken.",
        }
