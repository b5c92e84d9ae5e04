from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from api.throttling import signin_throttled
from api.views.spa import spa_index

urlpatterns = [
    # Before admin's own URLs, so its login form is throttled like the API's token view.
    path("admin/login/", signin_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("api/silk/", include("silk.urls", namespace="silk")))

# Every other path is a route of the web app, except the server's own prefixes, which keep
# their 404s (a mistyped API path must not answer a page of HTML).
urlpatterns.append(
    re_path(r"^(?!(?:api|admin|static|media|_app)(?:/|$)).*$", spa_index, name="spa")
)
