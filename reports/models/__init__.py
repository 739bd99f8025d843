"""Models of the reports app: reports, indicators, targets and clusters (`core`)."""

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

__all__ = [
    "Cluster",
    "ClusterSuggestion",
    "Evidence",
    "Indicator",
    "IndicatorKind",
    "Report",
    "Target",
    "TargetLink",
    "_evidence_path",
]
