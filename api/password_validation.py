"""A password "validator" that validates nothing: Django calls its password_changed hook for
every changed password (the API, the admin, `changepassword`, set_password() then save()),
the one place that sees them all."""

from api.models import User


class RevokeTokensOnPasswordChange:
    def validate(self, password: str, user: User | None = None) -> None:
        return None

    def password_changed(self, password: str, user: User | None = None) -> None:
        from api.services.users import user_tokens_revoke

        if user is not None and user.pk is not None:
            user_tokens_revoke(user=user)

    def get_help_text(self) -> str:
        return "Changing the password signs this account out everywhere."
