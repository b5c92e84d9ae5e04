from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.models import Album, AlbumLink, Photo
from api.selectors.albums import album_photo_ids
from api.serializers.fields import IdField
from api.serializers.photos import TakenAtField, ThumbnailUrlsSerializer


def public_album_url(request, link: AlbumLink) -> str:
    return request.build_absolute_uri(reverse("public-album", args=[link.token]))


class PublicLinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Readable by anyone who has it, without logging in.")
    expires_at = serializers.DateTimeField(allow_null=True)
    allow_gps = serializers.BooleanField(help_text="Whether visitors see where photos were taken")


class AlbumSerializer(serializers.ModelSerializer):
    """An album as its owner or a user it is shared with sees it (from `album_list`).

    `photos` are ids in the album's order; trashed photos are left out, and hidden ones for
    everybody but the owner. `shared_with` and `public` are the owner's to see.
    """

    owner = serializers.CharField(source="owner.username", read_only=True)
    shared = serializers.SerializerMethodField(help_text="Shared with the caller by its owner")
    photos = serializers.SerializerMethodField()
    photo_count = serializers.SerializerMethodField()
    cover = serializers.SerializerMethodField(help_text="The cover photo's id, null if empty")
    shared_with = serializers.SerializerMethodField(help_text="Usernames; only for the owner")
    public = serializers.SerializerMethodField(help_text="The public link; only for the owner")

    class Meta:
        model = Album
        fields = [
            "id",
            "title",
            "kind",
            "sort",
            "owner",
            "shared",
            "photos",
            "photo_count",
            "cover",
            "start_at",
            "end_at",
            "edited_by_user",
            "shared_with",
            "public",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _viewer_id(self) -> int:
        return self.context["request"].user.pk

    def _ids(self, album: Album) -> list[int]:
        cache = self.context.setdefault("_album_photo_ids", {})
        if album.pk not in cache:
            cache[album.pk] = album_photo_ids(album=album, viewer_id=self._viewer_id())
        return cache[album.pk]

    def get_shared(self, album: Album) -> bool:
        return album.owner_id != self._viewer_id()

    def get_photos(self, album: Album) -> list[int]:
        return self._ids(album)

    def get_photo_count(self, album: Album) -> int:
        return len(self._ids(album))

    def get_cover(self, album: Album) -> int | None:
        ids = self._ids(album)
        if album.cover_id in ids:
            return album.cover_id
        return ids[0] if ids else None

    def get_shared_with(self, album: Album) -> list[str]:
        if album.owner_id != self._viewer_id():
            return []
        return [share.user.username for share in album.shares.all()]

    @extend_schema_field(PublicLinkSerializer(allow_null=True))
    def get_public(self, album: Album) -> dict | None:
        link = getattr(album, "link", None)
        if link is None or album.owner_id != self._viewer_id():
            return None
        url = public_album_url(self.context["request"], link)
        return PublicLinkSerializer(
            {"url": url, "expires_at": link.expires_at, "allow_gps": link.allow_gps}
        ).data


class AlbumCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    photos = serializers.ListField(child=IdField(), required=False, max_length=10_000)


class AlbumUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    photos = serializers.ListField(
        child=IdField(),
        required=False,
        max_length=10_000,
        help_text="Replaces the members, in this order",
    )
    cover = IdField(
        required=False, allow_null=True, help_text="A member's id; null: the first photo"
    )
    sort = serializers.ChoiceField(choices=Album.Sort.choices, required=False)


class AlbumMergeSerializer(serializers.Serializer):
    into = IdField(help_text="The id of the album that receives the photos")


class AlbumPhotosSerializer(serializers.Serializer):
    """Photo ids as `ids` (the web app's bulk actions) or `photos` (as in an album)."""

    ids = serializers.ListField(child=IdField(), min_length=1, max_length=10_000, required=False)
    photos = serializers.ListField(child=IdField(), min_length=1, max_length=10_000, required=False)

    def validate(self, attrs: dict) -> dict:
        if ("ids" in attrs) == ("photos" in attrs):
            raise serializers.ValidationError("Give the photo ids as either `ids` or `photos`.")
        return {"photos": attrs.get("ids", attrs.get("photos"))}


class AlbumShareSerializer(serializers.Serializer):
    """Either `user` (with `revoke` to stop sharing) or `public` (with its options)."""

    user = serializers.CharField(required=False, help_text="Share read-only with this username")
    revoke = serializers.BooleanField(required=False, default=False)
    public = serializers.BooleanField(
        required=False, help_text="true: make a public link; false: revoke it at once"
    )
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    allow_gps = serializers.BooleanField(required=False, default=False)

    def validate(self, data: dict) -> dict:
        if ("user" in data) == ("public" in data):
            raise serializers.ValidationError("Give either `user` or `public`.")
        return data


class AlbumShareResultSerializer(serializers.Serializer):
    shared_with = serializers.ListField(child=serializers.CharField())
    url = serializers.URLField(allow_null=True, required=False)
    expires_at = serializers.DateTimeField(allow_null=True, required=False)
    allow_gps = serializers.BooleanField(required=False)


class PublicPhotoSerializer(serializers.ModelSerializer):
    """A photo seen through a public link: no owner, no files; GPS only when allowed."""

    taken_at = TakenAtField()
    thumbnails = serializers.SerializerMethodField()

    class Meta:
        model = Photo
        fields = [
            "id",
            "taken_at",
            "width",
            "height",
            "is_video",
            "duration",
            "mime",
            "thumbnails",
            "gps_lat",
            "gps_lon",
        ]
        read_only_fields = fields

    def to_representation(self, photo: Photo) -> dict:
        data = super().to_representation(photo)
        if not self.context["allow_gps"]:
            data.pop("gps_lat")
            data.pop("gps_lon")
        return data

    @extend_schema_field(ThumbnailUrlsSerializer)
    def get_thumbnails(self, photo: Photo) -> dict:
        token = self.context["token"]
        return {
            size: reverse("public-album-thumbnail", args=[token, photo.pk, size])
            for size in ("small", "big")
        }


class PublicAlbumSerializer(serializers.Serializer):
    title = serializers.CharField()
    photos = PublicPhotoSerializer(many=True)
