from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from api.models import (
    Album,
    AlbumLink,
    AlbumPhoto,
    AlbumShare,
    Face,
    FaceNotPerson,
    File,
    GeocodeLookup,
    Job,
    Library,
    Person,
    Photo,
    Place,
    User,
)
from api.services.signin import signin_unlock


class LibraryInline(admin.TabularInline):
    model = Library
    extra = 0
    fields = ("path", "last_scanned_at")
    readonly_fields = ("last_scanned_at",)


@admin.register(User)
class OwnPhotosUserAdmin(UserAdmin):
    inlines = [LibraryInline]
    list_display = ("username", "email", "is_staff", "is_active", "date_joined")
    actions = ["unlock_signin"]

    @admin.action(description="Lift the sign-in lockout")
    def unlock_signin(self, request, queryset) -> None:
        unlocked = [user.username for user in queryset if signin_unlock(username=user.username)]
        self.message_user(request, f"Unlocked: {', '.join(unlocked) or 'nobody was locked'}.")


@admin.register(Library)
class LibraryAdmin(admin.ModelAdmin):
    list_display = ("path", "owner", "last_scanned_at")
    list_filter = ("owner",)
    search_fields = ("path", "owner__username")


class FileInline(admin.TabularInline):
    model = File
    extra = 0
    fields = ("path", "size", "missing", "error")
    readonly_fields = fields
    can_delete = False


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "owner",
        "taken_at",
        "date_source",
        "camera_make",
        "camera_model",
        "width",
        "height",
        "is_video",
        "favorite",
        "hidden",
        "in_trash",
    )
    list_filter = ("owner", "is_video", "favorite", "hidden", "in_trash", "date_source", "mime")
    search_fields = ("content_hash", "camera_make", "camera_model", "lens", "files__path")
    date_hierarchy = "taken_at"
    list_select_related = ("owner",)
    inlines = [FileInline]
    readonly_fields = ("content_hash", "created_at", "updated_at")
    raw_id_fields = ("place",)


@admin.register(File)
class FileAdmin(admin.ModelAdmin):
    list_display = ("path", "owner", "size", "mime", "missing", "short_error", "photo")
    list_filter = ("owner", "missing", "mime", "uploaded")
    search_fields = ("path", "content_hash", "error")
    list_select_related = ("owner",)
    raw_id_fields = ("photo",)

    @admin.display(description="error")
    def short_error(self, obj: File) -> str:
        return obj.error[:80]


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("id", "owner", "kind", "state", "done", "total", "created_at", "finished_at")
    list_filter = ("kind", "state", "owner")
    search_fields = ("owner__username", "reason")
    readonly_fields = ("created_at", "started_at", "finished_at", "heartbeat_at")


@admin.register(Place)
class PlaceAdmin(admin.ModelAdmin):
    list_display = ("name", "level", "country_code", "parent", "lat", "lon")
    list_filter = ("level", "country_code")
    search_fields = ("name", "parent__name", "parent__parent__name")
    list_select_related = ("parent",)
    raw_id_fields = ("parent",)


@admin.register(GeocodeLookup)
class GeocodeLookupAdmin(admin.ModelAdmin):
    list_display = ("provider", "lat_key", "lon_key", "answer", "created_at")
    list_filter = ("provider",)
    readonly_fields = ("created_at",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "owner", "face_count", "hidden", "cover_face", "updated_at")
    list_filter = ("hidden", "owner")
    search_fields = ("name", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("cover_face",)
    readonly_fields = ("face_count", "created_at", "updated_at")


@admin.register(Face)
class FaceAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "photo",
        "person",
        "person_source",
        "distance",
        "detector",
        "model_version",
        "created_at",
    )
    list_filter = ("person_source", "detector", "model_version")
    search_fields = ("person__name", "photo__owner__username")
    list_select_related = ("person", "photo")
    raw_id_fields = ("photo", "person")
    readonly_fields = ("encoding", "created_at")


@admin.register(FaceNotPerson)
class FaceNotPersonAdmin(admin.ModelAdmin):
    list_display = ("id", "face", "person", "created_at")
    raw_id_fields = ("face", "person")


class AlbumPhotoInline(admin.TabularInline):
    model = AlbumPhoto
    extra = 0
    raw_id_fields = ("photo",)
    readonly_fields = ("added_at",)


class AlbumShareInline(admin.TabularInline):
    model = AlbumShare
    extra = 0
    raw_id_fields = ("user",)


class AlbumLinkInline(admin.StackedInline):
    model = AlbumLink
    extra = 0
    readonly_fields = ("token", "created_at")


@admin.register(Album)
class AlbumAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "kind", "start_at", "edited_by_user", "updated_at")
    list_filter = ("kind", "edited_by_user", "dismissed", "owner")
    search_fields = ("title", "owner__username")
    list_select_related = ("owner",)
    raw_id_fields = ("cover",)
    inlines = [AlbumPhotoInline, AlbumShareInline, AlbumLinkInline]
