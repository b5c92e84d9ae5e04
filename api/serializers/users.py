from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from api.models import User


class UserSerializer(serializers.ModelSerializer):
    libraries = serializers.SlugRelatedField(slug_field="path", many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "is_staff",
            "is_active",
            "libraries",
            "date_joined",
            "last_login",
        ]
        read_only_fields = fields


class UserCreateSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+\Z", max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    is_staff = serializers.BooleanField(default=False)
    libraries = serializers.ListField(
        child=serializers.CharField(), default=list, help_text="Folders to scan for this user."
    )

    def validate_username(self, value: str) -> str:
        if User.objects.filter(username=value).exists():
            raise serializers.ValidationError("A user with that username already exists.")
        return value

    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value


class UserUpdateSerializer(serializers.Serializer):
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    is_staff = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(
        required=False, help_text="false deactivates: no login, photos kept."
    )
    libraries = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Folders to add."
    )

    def validate_password(self, value: str) -> str:
        validate_password(value)
        return value


class UsernameSerializer(serializers.Serializer):
    username = serializers.CharField()


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(write_only=True, style={"input_type": "password"})
    new_password = serializers.CharField(write_only=True, style={"input_type": "password"})

    def validate_new_password(self, value: str) -> str:
        validate_password(value, user=self.context.get("user"))
        return value
