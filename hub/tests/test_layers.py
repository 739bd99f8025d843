"""The layering holds for references written as strings too (import-linter sees only imports):
foreign keys to "app.Model", migration dependencies and Celery task names never point from an
app to one above it or beside it. Top to bottom: hub → enforcement | exchange → reports → members
→ notifications → kernel (pyproject.toml, [tool.importlinter]); enforcement and exchange are
siblings that name nothing of each other."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

ROOT = Path(__file__).resolve().parents[2]
# Bottom to top; the apps of one tuple are siblings.
LAYERS = [
    ("kernel",),
    ("notifications",),
    ("members",),
    ("reports",),
    ("enforcement", "exchange"),
    ("hub",),
]
RANK = {app: n for n, layer in enumerate(LAYERS) for app in layer}
APPS = [app for layer in LAYERS for app in layer]

# The kernel (idempotency records) and the notifications app reach organisations through a
# setting the shell fills in, as Django's own apps reach the user model through
# AUTH_USER_MODEL: the only model above them they may name.
SETTING_NAMED = {
    (app, settings.ATALAYA_ORGANIZATION_MODEL.lower()) for app in ("kernel", "notifications")
}


def upward(source: str, target: str) -> bool:
    """`target` is above `source`, or a sibling of it."""
    return source in RANK and target in RANK and source != target and RANK[target] >= RANK[source]


def test_no_model_points_at_an_app_above_its_own():
    found = set()
    for model in apps.get_models():
        source = model._meta.app_label
        # Forward relations only: the reverse ones are the other model's.
        for field in [*model._meta.fields, *model._meta.many_to_many]:
            related = field.related_model
            if related is None or not upward(source, related._meta.app_label):
                continue
            if (source, related._meta.label_lower) not in SETTING_NAMED:
                found.add((source, related._meta.label))
    assert found == set()


def test_no_migration_depends_on_an_app_above_its_own():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = set()
    for (app, _name), migration in loader.disk_migrations.items():
        for dependency_app, _ in migration.dependencies:
            if upward(app, dependency_app) and not _setting_named(app, migration, dependency_app):
                found.add((app, dependency_app))
    assert found == set()


def _setting_named(app: str, migration, dependency_app: str) -> bool:
    """A dependency written `swappable_dependency(settings.ATALAYA_ORGANIZATION_MODEL)`."""
    return any(
        getattr(dep, "setting", None) == settings.ATALAYA_ORGANIZATION_MODEL
        and (app, settings.ATALAYA_ORGANIZATION_MODEL.lower()) in SETTING_NAMED
        and dep[0] == dependency_app
        for dep in migration.dependencies
    )


TASK_NAME = re.compile(
    r"""["'](kernel|notifications|members|reports|enforcement|exchange|hub)\.tasks\.\w+["']"""
)


def test_no_task_is_named_from_below():
    found = []
    for app in APPS:
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
    assert upward("notifications", "members") and upward("notifications", "reports")
    assert upward("exchange", "enforcement") and upward("enforcement", "exchange")
    assert not upward("hub", "reports") and not upward("reports", "reports")
    assert not upward("exchange", "reports")
