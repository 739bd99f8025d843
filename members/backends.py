from django.contrib.auth.backends import ModelBackend


class MemberBackend(ModelBackend):
    """Django's password backend, refusing people whose organisation is suspended."""

    def user_can_authenticate(self, user) -> bool:
        if not super().user_can_authenticate(user):
            return False
        org = user.organization
        return org is None or not org.is_suspended

    def get_user(self, user_id):
        # select_related: every portal request reads the organisation (suspension, navigation).
        from .models import User

        try:
            user = User.objects.select_related("organization").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
