from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.models import User
from api.serializers.users import (
    PasswordChangeSerializer,
    UserCreateSerializer,
    UsernameSerializer,
    UserSerializer,
    UserUpdateSerializer,
)
from api.services.signin import signin_unlock
from api.services.users import (
    library_add,
    user_create_or_update,
    user_deactivate,
    user_password_change,
)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """User management for staff; anyone may read their own account at `me`.

    Users are not owned objects, so this is not an OwnedViewSet: staff see every account and
    everyone else is refused (403) before any lookup.
    """

    queryset = User.objects.prefetch_related("libraries").order_by("username")
    serializer_class = UserSerializer
    permission_classes = [permissions.IsAdminUser]
    filter_backends = []

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        body = UserCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = user_create_or_update(
            username=body.validated_data["username"],
            password=body.validated_data["password"],
            is_staff=body.validated_data["is_staff"],
            libraries=body.validated_data["libraries"],
        )
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateSerializer, responses=UserSerializer)
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        user = self.get_object()
        body = UserUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = body.validated_data
        with transaction.atomic():
            if "password" in changes or "is_staff" in changes or changes.get("is_active"):
                user = user_create_or_update(
                    username=user.username,
                    password=changes.get("password"),
                    is_staff=changes.get("is_staff"),
                )
            for path in changes.get("libraries", []):
                library_add(user=user, path=path)
            if changes.get("is_active") is False:
                user = user_deactivate(user=user)
        return Response(UserSerializer(self.get_object()).data)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        """Lift a sign-in lockout of this user (and of the addresses that failed for it)."""
        user = self.get_object()
        signin_unlock(username=user.username)
        return Response(UserSerializer(user).data)

    @extend_schema(responses=UsernameSerializer(many=True))
    @action(detail=False, permission_classes=[permissions.IsAuthenticated], pagination_class=None)
    def names(self, request: Request) -> Response:
        """The active users an album can be shared with: everyone but the caller."""
        users = User.objects.filter(is_active=True).exclude(pk=request.user.pk)
        rows = users.order_by("username").values("username")
        return Response(UsernameSerializer(rows, many=True).data)

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    @action(
        detail=False,
        methods=["post"],
        url_path="me/password",
        permission_classes=[permissions.IsAuthenticated],
    )
    def password(self, request: Request) -> Response:
        """Change the caller's own password, given the current one."""
        body = PasswordChangeSerializer(data=request.data, context={"user": request.user})
        body.is_valid(raise_exception=True)
        user_password_change(
            user=request.user,
            old_password=body.validated_data["old_password"],
            new_password=body.validated_data["new_password"],
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=UserSerializer)
    @action(detail=False, permission_classes=[permissions.IsAuthenticated])
    def me(self, request: Request) -> Response:
        """The caller's own account."""
        return Response(UserSerializer(request.user).data)
