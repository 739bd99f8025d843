"""The portal speaks English, Spanish and Brazilian Portuguese completely: every translatable
string of every app is in its catalogues, translated, not fuzzy, and the catalogues compile."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["kernel", "notifications", "hub", "members", "reports", "enforcement", "exchange"]
LANGUAGES = ["es", "pt_BR"]
# The console script, not `python -m django`: with -m the app directory would come first on
# sys.path, and reports/selectors.py would shadow the standard library's `selectors`.
DJANGO_ADMIN = [str(Path(sys.executable).parent / "django-admin")]


def catalogue(app: str, language: str) -> Path:
    return ROOT / app / "locale" / language / "LC_MESSAGES" / "django.po"


def _fresh_msgids(app: str, tmp_path: Path) -> set[tuple[str | None, str]]:
    """The msgids `makemessages` finds in the app's code today, extracted from a copy so that
    the repository is not touched."""
    copy = tmp_path / app
    shutil.copytree(
        ROOT / app,
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "tests", "migrations", "*.mo", "static"),
    )
    (copy / "locale").mkdir(exist_ok=True)
    subprocess.run(
        [*DJANGO_ADMIN, "makemessages", "-l", "es", "--no-obsolete", "--no-location"],
        cwd=copy,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin", "DJANGO_SETTINGS_MODULE": ""},
    )
    path = copy / "locale" / "es" / "LC_MESSAGES" / "django.po"
    if not path.exists():  # nothing translatable found at all
        return set()
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete}


@pytest.mark.parametrize("app", APPS)
def test_every_translatable_string_of_the_app_is_in_its_catalogues(app, tmp_path):
    if shutil.which("xgettext") is None:
        pytest.fail(
            "GNU gettext is missing; scripts/setup.sh installs it (apt-get install gettext)"
        )
    found = _fresh_msgids(app, tmp_path)
    for language in LANGUAGES:
        path = catalogue(app, language)
        assert path.exists(), f"{path.relative_to(ROOT)} is missing"
        known = {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete}
        missing = sorted(msgid for _ctx, msgid in found - known)
        assert not missing, f"{app}/{language}: not in the catalogue: {missing[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_every_string_is_translated_and_none_is_fuzzy(app, language):
    po = polib.pofile(str(catalogue(app, language)))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"{app}/{language}: untranslated {untranslated[:10]}"
    assert not fuzzy, f"{app}/{language}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("app", APPS)
def test_the_catalogue_compiles_with_its_placeholders_intact(app, language, tmp_path):
    # msgfmt --check verifies format strings (python-format / python-brace-format) and headers.
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(catalogue(app, language))],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
