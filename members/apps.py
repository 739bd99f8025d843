from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = "Members"

    def ready(self) -> None:
        from notifications import registry

        from . import notifications
        from .api import schema  # noqa: F401  (registers the OpenAPI auth extension)

        registry.register(*notifications.KINDS)
        registry.install_ports(mail_readers=notifications.mail_readers, record=notifications.record)
