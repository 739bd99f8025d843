"""The layering holds for references written as strings too (import-linter sees only imports):
foreign keys to "app.Model", migration dependencies and Celery task names never point from an
app to one above it. Top to bottom: hub → enforcement → reports → members → kernel
(pyproject.toml, [tool.importlinter])."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ["kernel", "members", "reports", "enforcement", "hub"]  # bottom to top
RANK = {app: n for n, app in enumerate(LAYERS)}

# Known, to go with the outbox's move into a notifications app below members (ARCHITECTURE.md,
# "Layers"): the inbox and webhook deliveries point at hub's Event. Nothing else may join this.
KNOWN_FOREIGN_KEYS = {
    ("reports", "hub"),
}
KNOWN_MIGRATION_DEPENDENCIES = {
    ("reports", "hub"),
}


def upward(source: str, target: str) -> bool:
    return source in RANK and target in RANK and RANK[target] > RANK[source]


def test_no_model_points_at_an_app_above_its_own():
    found = set()
    for model in apps.get_models():
        source = model._meta.app_label
        # Forward relations only: the reverse ones are the other model's.
        for field in [*model._meta.fields, *model._meta.many_to_many]:
            related = field.related_model
            if related is not None and upward(source, related._meta.app_label):
                found.add((source, related._meta.app_label))
    assert found <= KNOWN_FOREIGN_KEYS, sorted(found - KNOWN_FOREIGN_KEYS)


def test_no_migration_depends_on_an_app_above_its_own():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = set()
    for (app, _name), migration in loader.disk_migrations.items():
        for dependency_app, _ in migration.dependencies:
            if upward(app, dependency_app):
                found.add((app, dependency_app))
    assert found <= KNOWN_MIGRATION_DEPENDENCIES, sorted(found - KNOWN_MIGRATION_DEPENDENCIES)


TASK_NAME = re.compile(r"""["'](kernel|members|reports|enforcement|hub)\.tasks\.\w+["']""")


def test_no_task_is_named_from_below():
    found = []
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for match in TASK_NAME.finditer(path.read_text()):
                if upward(app, match.group(1)):
                    found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert found == []


def test_the_checks_see_an_upward_reference():
    """The rule itself: a kernel module naming a hub task would be refused."""
    assert upward("kernel", "hub") and upward("reports", "enforcement")
    assert not upward("hub", "reports") and not upward("reports", "reports")
