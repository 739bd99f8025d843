from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    """STIX/TAXII and MISP: the threat-intel world's protocols over reports, under the policy."""

    name = "exchange"
    verbose_name = "Threat-intel exchange"

    def ready(self) -> None:
        # Celery discovers only `tasks` modules; the TAXII sources' workers live beside them.
        from . import poll_tasks  # noqa: F401
