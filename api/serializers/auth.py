from rest_framework import serializers


class CookieLoginSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})


class CookieTokenSerializer(serializers.Serializer):
    """The access token for the Authorization header; the refresh token stays in its
    httpOnly cookie, out of reach of page scripts."""

    access = serializers.CharField()
    access_expires = serializers.IntegerField(help_text="When the access token expires, epoch s")
