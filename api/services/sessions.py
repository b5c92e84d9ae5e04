"""Rotating the web app's refresh cookie without signing out a page that never got the answer.

Each refresh blacklists the presented token and issues a successor (issue 15). When the page
unloads while that answer is in flight, the browser keeps the old cookie and presents it on the
next load. So a just-rotated token works once more: within settings.REFRESH_GRACE_SECONDS of
its rotation, and only while its successor has been neither used nor revoked; that successor
is then blacklisted in its turn, so there is still one live token per session. Past the window,
or once the successor was used, the old token is refused. Signing out and a password change
blacklist every token of the user, successors included, so nothing is left to come back to.

A successor's jti is derived from its predecessor's (an HMAC under SECRET_KEY), so the chain
needs no table of its own: the successor is found among simplejwt's outstanding tokens.
"""

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch, get_md5_hash_password

from api.models import User


def _successor_jti(jti: str) -> str:
    message = f"refresh-successor:{jti}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def _user_check(payload: dict) -> User:
    user = User.objects.filter(
        **{api_settings.USER_ID_FIELD: payload.get(api_settings.USER_ID_CLAIM)}
    ).first()
    if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
        raise TokenError("No active account found for the given token.")
    revoke_claim = api_settings.REVOKE_TOKEN_CLAIM
    if api_settings.CHECK_REVOKE_TOKEN and payload.get(revoke_claim) != get_md5_hash_password(
        user.password
    ):
        raise TokenError("The user's password has been changed.")
    return user


def _issue(predecessor: dict, user: User) -> RefreshToken:
    """A successor of the token whose claims are `predecessor`: the same claims, a new
    lifetime, the derived jti; recorded as outstanding (so sign-out can end it)."""
    token = RefreshToken()
    token.payload = {**predecessor}
    token.set_exp()
    token.set_iat()
    token[api_settings.JTI_CLAIM] = _successor_jti(predecessor[api_settings.JTI_CLAIM])
    OutstandingToken.objects.create(
        user=user,
        jti=token[api_settings.JTI_CLAIM],
        token=str(token),
        created_at=token.current_time,
        expires_at=datetime_from_epoch(token["exp"]),
    )
    return token


def session_refresh(*, raw: str) -> tuple[str, str]:
    """(access, refresh) for the refresh token `raw`, which is rotated. Raises TokenError when
    it is invalid, expired, revoked, or used before and past its grace."""
    try:
        payload = token_backend.decode(raw, verify=True)
    except TokenBackendError as exc:
        raise TokenError("Token is invalid or expired") from exc
    if payload.get(api_settings.TOKEN_TYPE_CLAIM) != RefreshToken.token_type:
        raise TokenError("Token has wrong type")
    jti = payload.get(api_settings.JTI_CLAIM)
    if not isinstance(jti, str):
        raise TokenError("Token has no id")
    user = _user_check(payload)
    try:
        with transaction.atomic():
            # Two refreshes of one token at once are taken one after the other.
            presented = OutstandingToken.objects.select_for_update().filter(
                jti=jti
            ).first() or OutstandingToken.objects.create(
                user=user,
                jti=jti,
                token=raw,
                expires_at=datetime_from_epoch(payload["exp"]),
            )
            if BlacklistedToken.objects.filter(token=presented).exists():
                claims = _grace_claims(jti)
            else:
                BlacklistedToken.objects.create(token=presented)
                claims = payload
            token = _issue(claims, user)
    except IntegrityError as exc:
        # The same successor issued by a simultaneous refresh: this one loses.
        raise TokenError("Token is blacklisted") from exc
    return str(token.access_token), str(token)


def _grace_claims(jti: str) -> dict:
    """The claims of the unused successor of the already rotated token `jti`, which is
    blacklisted now; TokenError when there is none or its rotation is past the grace."""
    successor = OutstandingToken.objects.select_for_update().filter(jti=_successor_jti(jti)).first()
    since = timezone.now() - dt.timedelta(seconds=settings.REFRESH_GRACE_SECONDS)
    if (
        successor is None
        or successor.created_at is None
        or successor.created_at < since
        or BlacklistedToken.objects.filter(token=successor).exists()
    ):
        raise TokenError("Token is blacklisted")
    BlacklistedToken.objects.create(token=successor)
    return token_backend.decode(successor.token, verify=False)
