from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "enforcement"
    verbose_name = "Blocking orders"

    def ready(self) -> None:
        # Blocking-order events are fanned out by reports.notify, which must not import this app.
        from reports import notify

        from . import notifications

        notify.register(notifications.HANDLER)
