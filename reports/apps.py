from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from notifications import registry

        from . import notifications

        registry.register(*notifications.KINDS)
