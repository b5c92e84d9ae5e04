"""Every operation the URLconf serves, read from the OpenAPI schema generator (which walks it)."""

import re

from drf_spectacular.generators import SchemaGenerator

PUBLIC = {
    "/api/auth/token/",
    "/api/auth/token/refresh/",
    # The web app's sign-in: its cookies, not a login, open them (tests/views/test_auth_cookies.py).
    "/api/auth/login/",
    "/api/auth/refresh/",
    "/api/auth/logout/",
    "/api/schema/",
    "/api/docs/",
    # Public album links: the token, not a login, opens them (tests/views/test_public.py).
    "/api/public/albums/{token}/",
    "/api/public/albums/{token}/photos/{id}/thumbnail/{size}/",
}


def api_operations() -> list[tuple[str, str]]:
    """(method, path template) for every documented operation, e.g. ("get", "/api/photos/{id}/")."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def fill(path: str, **values: object) -> str:
    """Put values into `{name}` placeholders; unknown names raise KeyError so nothing is skipped."""
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)
