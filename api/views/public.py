"""Public album links: the one deliberate bypass of OwnedViewSet's scoping.

Anyone holding an album's unguessable token reads that album and its photos' thumbnails,
without logging in, and nothing else: no owner, no files, no GPS unless the owner allowed
it. Unknown, revoked and expired tokens answer 404, like a photo outside the album.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import NotFound
from api.selectors.albums import public_album, public_album_photos
from api.serializers.albums import PublicAlbumSerializer, PublicPhotoSerializer
from api.views.thumbnails import RESPONSES, SIZE_PARAMETER, FirstRenderer, thumbnail_response


class PublicAlbumView(APIView):
    """Read-only: an album through its public token. Not an OwnedViewSet on purpose: the
    token, not a user, is what grants access, so it resolves nothing but that album."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses=PublicAlbumSerializer, auth=[])
    def get(self, request: Request, token: str) -> Response:
        album = public_album(token=token)
        context = {"token": token, "allow_gps": album.link.allow_gps}
        photos = public_album_photos(album=album)
        return Response(
            {
                "title": album.title,
                "photos": PublicPhotoSerializer(photos, many=True, context=context).data,
            }
        )


class PublicAlbumThumbnailView(APIView):
    """Read-only: the thumbnail of a photo of the album behind a public token; a photo that
    is not in that album answers 404."""

    authentication_classes = []
    permission_classes = [AllowAny]
    content_negotiation_class = FirstRenderer

    @extend_schema(parameters=[SIZE_PARAMETER], responses=RESPONSES, auth=[])
    def get(self, request: Request, token: str, id: int, size: str):
        album = public_album(token=token)
        photo = public_album_photos(album=album).filter(pk=id).first()
        if photo is None:
            raise NotFound("No such photo in this album.")
        return thumbnail_response(request=request, photo=photo, size=size, revalidate=True)
