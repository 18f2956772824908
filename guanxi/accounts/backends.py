from django.contrib.auth.backends import BaseBackend

from guanxi.accounts.models import User


class OrgUsernameBackend(BaseBackend):
    """Sessions resolve to users by id; signing in goes through ``accounts.services``."""

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id).first()
        return user if user and user.is_active else None
