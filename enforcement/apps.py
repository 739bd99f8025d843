from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "Blocking orders"

    def ready(self) -> None:
        from notifications import registry
        from reports import panels

        from . import notifications, report_orders

        registry.register(*notifications.KINDS)
        # "Used in order X" on a report's page: reports cannot import enforcement.
        panels.register(report_orders.PANEL)
