"""Models of the reports app: reports and targets (`core`), notifications (`notifications`)."""

from .core import (
    Cluster,
    ClusterSuggestion,
    Evidence,
    Indicator,
    IndicatorKind,
    Report,
    Target,
    TargetLink,
    _evidence_path,
)
from .notifications import Notification, NotificationSettings, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Cluster",
    "ClusterSuggestion",
    "Evidence",
    "Indicator",
    "IndicatorKind",
    "Notification",
    "NotificationSettings",
    "Report",
    "Target",
    "TargetLink",
    "WebhookDelivery",
    "WebhookEndpoint",
    "_evidence_path",
]
