"""Production settings: what `manage.py check --deploy` says about an HTTPS deployment with
DEBUG off, and where the secret key comes from. Each case runs the settings in a fresh process
with its own environment, as gunicorn would."""

from __future__ import annotations

import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# An HTTPS deployment behind a TLS-terminating proxy, as README's configuration table has it.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "atalaya.example",
    "SITE_URL": "https://atalaya.example",
    "SECURE_SSL_REDIRECT": "true",
    "TRUST_X_FORWARDED_PROTO": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
}
# The settings read .env only for variables not set, so these are all set, if only to "".
CLEARED = ["SECURE_COOKIES", "SECRET_KEY_FILE", "WEBHOOK_ALLOW_PRIVATE_DESTINATIONS"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION and k not in CLEARED}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "hub.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_https_deployment_passes_the_deploy_check_without_a_warning():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_names_what_the_plain_http_demo_turns_off():
    # `make run`'s demo on http://localhost: no HTTPS, so cookies without Secure. The check
    # says so (the test above shows it says nothing once HTTPS is configured).
    demo = {"DEBUG": "false", "SECRET_KEY": PRODUCTION["SECRET_KEY"], "SECURE_COOKIES": "false"}

    result = run(["check", "--deploy", "--fail-level", "WARNING"], demo)

    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr, result.stderr


def test_without_a_secret_key_in_the_environment_one_is_made_once_and_kept_private(tmp_path):
    key_file = tmp_path / "var" / "secret_key"
    show = ["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"]
    env = {"DEBUG": "false", "SECRET_KEY": "", "SECRET_KEY_FILE": str(key_file)}

    first = run(show, env)
    again = run(show, env)
    from_env = run(show, {**env, "SECRET_KEY": PRODUCTION["SECRET_KEY"]})

    assert first.returncode == 0, first.stderr
    key = first.stdout.split()[-1]
    assert len(key) >= 50
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert again.stdout.split()[-1] == key
    assert from_env.stdout.split()[-1] == PRODUCTION["SECRET_KEY"]
    assert [p.name for p in key_file.parent.iterdir()] == ["secret_key"]
