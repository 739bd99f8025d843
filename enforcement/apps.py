from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "Blocking orders"

    def ready(self) -> None:
        from notifications import registry

        from . import notifications

        registry.register(*notifications.KINDS)
