from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from api.throttling import SignInThrottle
from api.views.albums import AlbumViewSet
from api.views.auth import CookieLoginView, CookieLogoutView, CookieRefreshView
from api.views.duplicates import DuplicateViewSet
from api.views.jobs import ImportViewSet, JobViewSet
from api.views.library import (
    ConfigView,
    ModelsView,
    ServerView,
    TrashEmptyView,
    TrashView,
    UpdatesView,
)
from api.views.people import FaceViewSet, PersonViewSet
from api.views.photos import PhotoViewSet
from api.views.places import PlaceViewSet
from api.views.public import PublicAlbumThumbnailView, PublicAlbumView
from api.views.search import SearchViewSet
from api.views.things import ThingViewSet
from api.views.timeline import TimelineViewSet
from api.views.users import UserViewSet

router = DefaultRouter()
router.register("photos", PhotoViewSet, basename="photo")
router.register("search", SearchViewSet, basename="search")
router.register("things", ThingViewSet, basename="thing")
router.register("timeline", TimelineViewSet, basename="timeline")
router.register("duplicates", DuplicateViewSet, basename="duplicate")
router.register("places", PlaceViewSet, basename="place")
router.register("jobs", JobViewSet, basename="job")
router.register("imports", ImportViewSet, basename="import")
router.register("users", UserViewSet, basename="user")
router.register("people", PersonViewSet, basename="person")
router.register("faces", FaceViewSet, basename="face")
router.register("albums", AlbumViewSet, basename="album")

urlpatterns = [
    path(
        "auth/token/", TokenObtainPairView.as_view(throttle_classes=[SignInThrottle]), name="token"
    ),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/login/", CookieLoginView.as_view(), name="auth-login"),
    path("auth/refresh/", CookieRefreshView.as_view(), name="auth-refresh"),
    path("auth/logout/", CookieLogoutView.as_view(), name="auth-logout"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
    path("public/albums/<str:token>/", PublicAlbumView.as_view(), name="public-album"),
    re_path(
        r"^public/albums/(?P<token>[^/]+)/photos/(?P<id>\d+)/thumbnail/(?P<size>small|big)/$",
        PublicAlbumThumbnailView.as_view(),
        name="public-album-thumbnail",
    ),
    path("models/", ModelsView.as_view(), name="models"),
    path("server/", ServerView.as_view(), name="server"),
    path("config/", ConfigView.as_view(), name="config"),
    path("updates/", UpdatesView.as_view(), name="updates"),
    path("trash/", TrashView.as_view(), name="trash"),
    path("trash/empty/", TrashEmptyView.as_view(), name="trash-empty"),
    path("", include(router.urls)),
]
