"""Sign-in for the web app: tokens in httpOnly cookies, built on simplejwt's serializers.

The refresh token lives only in the `ownphotos_refresh` cookie (Path=/api/auth/), so page
scripts never see it; refreshing and signing out need the CSRF token as well, because a
browser sends the cookie with any request to this site. Rotation and blacklisting come from
SIMPLE_JWT (`ROTATE_REFRESH_TOKENS`, `BLACKLIST_AFTER_ROTATION`), so a refresh cookie that was
used once is dead, but for a short grace while its successor is unused (api.services.sessions:
a page that unloaded before the answer arrived still holds it). `/api/auth/token/` stays for
scripts.
"""

import contextlib

from django.middleware.csrf import rotate_token
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenBackendError, TokenError
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.tokens import AccessToken

from api.authentication import ACCESS_COOKIE, REFRESH_COOKIE, csrf_enforce
from api.models import User
from api.serializers.auth import CookieLoginSerializer, CookieTokenSerializer
from api.services.sessions import session_refresh
from api.services.users import user_tokens_revoke
from api.throttling import SignInThrottle

REFRESH_PATH = "/api/auth/"
ACCESS_PATH = "/api/"


class _CookieAuthView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    def get_authenticate_header(self, request: Request) -> str:
        # Keeps a refused token a 401 (DRF turns it into a 403 without this header).
        return 'Bearer realm="api"'

    def _tokens(self, request: Request, tokens: dict) -> Response:
        """Answer the access token and its expiry; set both cookies."""
        access = tokens["access"]
        expires = int(AccessToken(access, verify=False)["exp"])
        response = Response({"access": access, "access_expires": expires})
        secure = request.is_secure()
        response.set_cookie(
            ACCESS_COOKIE,
            access,
            max_age=int(api_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
            path=ACCESS_PATH,
            secure=secure,
            httponly=True,
            samesite="Strict",
        )
        response.set_cookie(
            REFRESH_COOKIE,
            tokens["refresh"],
            max_age=int(api_settings.REFRESH_TOKEN_LIFETIME.total_seconds()),
            path=REFRESH_PATH,
            secure=secure,
            httponly=True,
            samesite="Strict",
        )
        return response


def _clear(response: Response) -> Response:
    response.delete_cookie(ACCESS_COOKIE, path=ACCESS_PATH, samesite="Strict")
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH, samesite="Strict")
    return response


class CookieLoginView(_CookieAuthView):
    throttle_classes = (SignInThrottle,)

    @extend_schema(
        operation_id="auth_login",
        request=CookieLoginSerializer,
        responses={
            200: OpenApiResponse(
                CookieTokenSerializer,
                description="Sets the httpOnly cookies ownphotos_refresh and ownphotos_access "
                "(SameSite=Strict) and Django's csrftoken cookie",
            ),
            401: OpenApiResponse(description="Wrong username or password"),
            429: OpenApiResponse(description="Too many failed sign-ins: wait Retry-After seconds"),
        },
    )
    def post(self, request: Request) -> Response:
        """Sign in: the access token in the body, both tokens in httpOnly cookies."""
        tokens = TokenObtainPairSerializer(data=request.data)
        try:
            tokens.is_valid(raise_exception=True)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        # A new CSRF secret at sign-in, as django.contrib.auth.login does.
        rotate_token(request)
        return self._tokens(request, tokens.validated_data)


class CookieRefreshView(_CookieAuthView):
    @extend_schema(
        operation_id="auth_refresh",
        request=None,
        responses={
            200: OpenApiResponse(
                CookieTokenSerializer,
                description="Both cookies replaced: the old refresh dies, but for a grace of "
                "OWNPHOTOS_REFRESH_GRACE_SECONDS (60) in which it works once more while its "
                "successor is unused",
            ),
            401: OpenApiResponse(
                description="No, a bad, a revoked or a used refresh cookie (past its grace); "
                "cookies cleared"
            ),
            403: OpenApiResponse(description="CSRF token missing or wrong; cookies cleared"),
        },
    )
    def post(self, request: Request) -> Response:
        """A new access token and refresh cookie for the `ownphotos_refresh` cookie; needs the
        `csrftoken` cookie's value in `X-CSRFToken`."""
        csrf_enforce(request)
        refresh = request.COOKIES.get(REFRESH_COOKIE)
        if not refresh:
            raise InvalidToken("No refresh cookie.")
        try:
            access, rotated = session_refresh(raw=refresh)
        except TokenError as exc:
            raise InvalidToken(exc.args[0]) from exc
        return self._tokens(request, {"access": access, "refresh": rotated})

    def handle_exception(self, exc: Exception) -> Response:
        return _clear(super().handle_exception(exc))


class CookieLogoutView(_CookieAuthView):
    @extend_schema(
        operation_id="auth_logout",
        request=None,
        responses={
            204: OpenApiResponse(
                description="Every refresh token of the user blacklisted, cookies cleared"
            ),
            403: OpenApiResponse(description="CSRF token missing or wrong"),
        },
    )
    def post(self, request: Request) -> Response:
        """Sign out: every refresh token of the cookie's user is blacklisted (issue 15: signing
        out ends the sessions a stolen token could keep) and both cookies cleared; an already
        dead cookie is simply cleared."""
        csrf_enforce(request)
        refresh = request.COOKIES.get(REFRESH_COOKIE)
        if refresh:
            # A cookie already rotated still names its user, whose successors may live (the
            # refresh answer was lost); an expired or forged one has nothing left to end.
            with contextlib.suppress(TokenBackendError):
                payload = token_backend.decode(refresh, verify=True)
                user = User.objects.filter(pk=payload.get(api_settings.USER_ID_CLAIM)).first()
                if user is not None and payload.get(api_settings.TOKEN_TYPE_CLAIM) == "refresh":
                    user_tokens_revoke(user=user)
        return _clear(Response(status=status.HTTP_204_NO_CONTENT))
