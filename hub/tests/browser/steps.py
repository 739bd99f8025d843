"""What a person does in the browser tests, and the accessibility check, as plain functions."""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings

PASSWORD = "correct horse battery"  # members.tests.factories.UserFactory's
SIGN_IN_PATH = "/accounts/login/"
TWO_FACTOR_PATH = "/accounts/two-factor/"
# Fetched (pinned) from the npm registry by scripts/setup.sh: ~650 KB, not kept in the repository.
AXE_JS = settings.BASE_DIR / ".venv" / "share" / "axe" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = frozenset({"serious", "critical"})


def missing(what: str) -> None:
    """A missing tool fails the run in CI (where setup installs it) and skips it elsewhere."""
    message = f"{what}; `make setup` (scripts/setup.sh, ensure_chromium) installs it"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def path_of(page) -> str:
    return urlsplit(page.url).path


def two_factor_installed() -> bool:
    return apps.is_installed("django_otp.plugins.otp_totp")


def totp_now(device) -> str:
    from django_otp.oath import TOTP

    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"


def sign_in(page, email: str, password: str = PASSWORD, *, two_factor: bool | None = None) -> None:
    """Signs in through the sign-in page. Where the hub asks for a second step, it is answered
    with the code of the person's confirmed TOTP device (which the test must have made);
    `two_factor=True` also requires that it is asked."""
    page.goto(SIGN_IN_PATH)
    page.locator("input[name=username]").fill(email)
    password_input = page.locator("input[name=password]")
    password_input.fill(password)
    with page.expect_navigation():
        password_input.press("Enter")
    if two_factor:
        assert path_of(page) == TWO_FACTOR_PATH, f"{email} was not asked for a code: {page.url}"
    if path_of(page) == TWO_FACTOR_PATH:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user__email=email, confirmed=True).first()
        assert device is not None, f"{email} is asked for a code but has no TOTP device"
        code = page.locator(
            "input[autocomplete='one-time-code'], input[name=code], input[name=otp_token]"
        ).first
        code.fill(totp_now(device))
        with page.expect_navigation():
            code.press("Enter")
    assert path_of(page) not in (SIGN_IN_PATH, TWO_FACTOR_PATH), (
        f"{email} is not signed in: still on {page.url}\n{page.locator('main').inner_text()}"
    )


def switch_language(page, code: str) -> None:
    """With the switcher every page carries (a select named "language" and its button), behind
    the Menu button on a narrow screen."""
    menu = page.locator("header .menu-toggle")
    if menu.is_visible():
        menu.click()
    switcher = page.locator("select[name=language]")
    switcher.select_option(code)
    with page.expect_navigation():
        switcher.locator("xpath=ancestor::form[1]").locator("[type=submit]").click()
    assert page.locator("html").get_attribute("lang") == code


# --- accessibility ---------------------------------------------------------------------------


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2 A/AA violations on the page as it is now (all impacts)."""
    if not AXE_JS.exists():
        missing(f"axe-core is not at {AXE_JS}")
    # Evaluated through DevTools, not added as an inline <script>: the page's
    # Content-Security-Policy rightly refuses inline scripts, the test's own included.
    page.evaluate(AXE_JS.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, "
        "resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def describe(violations: list[dict]) -> str:
    """One paragraph per rule: what, how bad, where (a few nodes), and what axe suggests."""
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])} {node['html'][:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    ... and {len(v['nodes']) - 5} more")
    return "\n".join(lines)
