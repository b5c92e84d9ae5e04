"""The web app's index.html, answered for every client route with its Content-Security-Policy.

The built app (web/build) has one inline script, SvelteKit's bootstrap; the policy allows it by
its sha256 hash, read from the file itself so a rebuild never needs a settings change.
"""

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# <script> elements without a src attribute: the inline code the policy must name.
_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE
)

_SCRIPT_SRC = "script-src 'self'"


def _sha256(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def spa_policy(*, html: str) -> str:
    """The site's CSP (settings.CONTENT_SECURITY_POLICY) with the inline scripts of `html`
    allowed by their hashes."""
    hashes = " ".join(_sha256(code) for code in _INLINE_SCRIPT.findall(html))
    policy = settings.CONTENT_SECURITY_POLICY
    return policy.replace(_SCRIPT_SRC, f"{_SCRIPT_SRC} {hashes}", 1) if hashes else policy


@lru_cache(maxsize=4)
def _index(path: Path, mtime_ns: int) -> tuple[bytes, str]:
    """index.html and its policy, read again only when the file changes (a rebuild)."""
    html = path.read_text(encoding="utf-8")
    return html.encode(), spa_policy(html=html)


def spa_index(request: HttpRequest, path: str = "") -> HttpResponse:
    index = Path(settings.WEB_BUILD_DIR) / "index.html"
    try:
        body, policy = _index(index, index.stat().st_mtime_ns)
    except FileNotFoundError:
        return HttpResponse(
            "The web app is not built: run `make install` (it builds web/).\n",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    # Always revalidated: it names the current hashed assets.
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = policy
    response["X-Content-Type-Options"] = "nosniff"
    return response
