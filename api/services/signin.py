"""Sign-in throttling: failures counted per username and per client address in the shared
cache (settings.CACHES, the database), so every gunicorn process and machine sees them.

After SIGNIN_FAILURES failures in a row for a username (or 4x as many from one address),
sign-in is refused for SIGNIN_LOCKOUT_SECONDS, doubled for each further failure up to
SIGNIN_LOCKOUT_MAX_SECONDS. A lockout ends by itself; a success or a staff unlock resets.
Counting is read-then-write, so simultaneous guesses may each get through before the count
catches up: a few extra guesses, never an unbounded stream.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)

# Failures are forgotten a day after the last one.
_MEMORY_SECONDS = 24 * 3600
_ADDRESS_FACTOR = 4


def client_address(request: HttpRequest) -> str:
    """The caller's address; behind settings.PROXIES proxies, the entry of X-Forwarded-For the
    outermost one appended (what a client sends itself comes before it, so cannot forge it)."""
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if settings.PROXIES and forwarded != [""]:
        return forwarded[-min(settings.PROXIES, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


# Hashed: a username may hold spaces and any character, which not every cache backend takes.
def _user_key(username: str) -> str:
    return f"signin:user:{_digest(username.strip().lower()[:150])}"


def _address_key(address: str) -> str:
    return f"signin:address:{_digest(address[:64])}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _lockout_seconds(failures: int, limit: int) -> float:
    if failures < limit:
        return 0
    doubled = settings.SIGNIN_LOCKOUT_SECONDS * 2 ** min(failures - limit, 32)
    return min(doubled, settings.SIGNIN_LOCKOUT_MAX_SECONDS)


def signin_lockout_remaining(*, username: str | None, address: str) -> int:
    """Seconds until `username` or `address` may try again (0: now)."""
    keys = [_address_key(address)] + ([_user_key(username)] if username else [])
    now = time.time()
    until = max((state.get("until", 0) for state in cache.get_many(keys).values()), default=0)
    return max(0, math.ceil(until - now))


def signin_failure_record(*, username: str | None, address: str) -> None:
    """Count one failed sign-in against the username and the address."""
    now = time.time()
    counted = [(_address_key(address), settings.SIGNIN_FAILURES * _ADDRESS_FACTOR)]
    if username:
        counted.append((_user_key(username), settings.SIGNIN_FAILURES))
    for key, limit in counted:
        state = cache.get(key) or {"failures": 0, "until": 0, "addresses": []}
        state["failures"] += 1
        if lockout := _lockout_seconds(state["failures"], limit):
            state["until"] = now + lockout
            logger.warning(
                "sign-in locked for %d s: %s after %d failures", lockout, key, state["failures"]
            )
        if key != counted[0][0] and address not in state["addresses"]:
            # Remembered so that a staff unlock of the username frees its addresses too.
            state["addresses"] = [*state["addresses"], address][-20:]
        cache.set(key, state, _MEMORY_SECONDS)


def signin_reset(*, username: str, address: str) -> None:
    """A successful sign-in forgets the failures of its username and address."""
    cache.delete_many([_user_key(username), _address_key(address)])


def signin_unlock(*, username: str) -> bool:
    """Staff lift a lockout: the username and the addresses that failed for it may try again.
    Returns whether anything was locked or counted."""
    state = cache.get(_user_key(username))
    if state is None:
        return False
    cache.delete_many([_user_key(username), *(_address_key(a) for a in state["addresses"])])
    logger.info("sign-in of %s unlocked", username)
    return True
