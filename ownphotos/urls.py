from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from api.throttling import signin_throttled

urlpatterns = [
    # Before admin's own URLs, so its login form is throttled like the API's token view.
    path("admin/login/", signin_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
]

if settings.DEBUG:
    urlpatterns.append(path("api/silk/", include("silk.urls", namespace="silk")))
