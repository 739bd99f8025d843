"""Sections that apps above reports add to a report's page.

Reports may not import the apps above it (ARCHITECTURE.md, "Layers"), yet a report's page
should say what became of the report there (the blocking orders that used it). As with
`notifications.registry`, the app above registers at start-up (its `AppConfig.ready()`) a
template and a function that computes, for a reader and a report the reader may see, what
the template shows; the report's page renders every registered panel in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from members.models import Organization

from .models import Report


@dataclass(frozen=True)
class ReportPanel:
    name: str
    template: str
    # The template's context for `org` looking at `report` (which it may see), or None when
    # there is nothing to show. It must show only what `org` may see.
    context: Callable[[Organization, Report], dict | None]


_PANELS: dict[str, ReportPanel] = {}


def register(panel: ReportPanel) -> None:
    """Adds (or replaces, by name: ready() may run twice in tests) a panel."""
    _PANELS[panel.name] = panel


def panels_for(org: Organization, report: Report) -> list[tuple[str, dict]]:
    """(template, context) of every panel with something to show, in registration order."""
    shown = []
    for panel in _PANELS.values():
        context = panel.context(org, report)
        if context is not None:
            shown.append((panel.template, context))
    return shown
