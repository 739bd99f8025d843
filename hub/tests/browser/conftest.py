"""Browser tests: the portal driven in a real Chromium through Playwright.

The browser is the OS's (Debian's `chromium`, installed by scripts/setup.sh), never one that
Playwright downloads: CI and this machine reach only the package registries. One browser for
the package, a fresh context per person (contexts are cheap and keep cookies apart), pages
served by pytest-django's `live_server` from the test database.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from io import StringIO

import pytest

from .steps import missing

VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# Every browser step waits at most this long (Playwright's default, 30 s, hides a hang).
STEP_TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser():
    """Chromium for the whole package, and Playwright's event loop with it.

    Playwright's sync API runs an asyncio loop in the test's own thread (the calls switch to it
    through greenlets), and Django refuses ORM calls from a thread with a running loop
    (SynchronousOnlyOperation) although the tests' ORM calls are plain blocking ones made
    between browser steps, never from a coroutine. DJANGO_ALLOW_ASYNC_UNSAFE lifts that check
    while the loop exists, and only then: the fixture is package-scoped, not session-scoped,
    so the loop is gone, and the check back, before the rest of `make test` runs.
    """
    executable = shutil.which("chromium")
    if executable is None:
        missing("chromium is not installed")
    from playwright.sync_api import sync_playwright

    saved = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"], headless=True
        )
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        if saved is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = saved


@pytest.fixture(autouse=True)
def fast_password_hashing(settings) -> None:
    """Each PBKDF2 hash takes ~0.6 s on a 2-core machine, and every factory user and every
    sign-in makes one; what these tests check is the portal, not the hasher."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Every page reports what the Content-Security-Policy refused, from its first script on (an
# init script runs in every document before the page's own): the `securitypolicyviolation`
# event, which Chromium fires for each refusal, handed to Python through a binding. Init scripts
# and page.evaluate run outside the page's policy (DevTools), so the test's own probes are not
# refusals.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__atalayaCspViolation({
    directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile,
    line: e.lineNumber, sample: e.sample, page: document.location.href,
  });
});
"""


class CSPWatch:
    """What the Content-Security-Policy refused in a test's pages (the event and Chromium's
    console message, two views of one refusal), and the pages the hub served without a policy.
    Counted for the whole run too: the summary line says how many refusals all browser tests
    saw (the expected figure is 0)."""

    pages_checked = 0
    events_seen = 0
    console_reports_seen = 0

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.console: list[str] = []
        self.without_policy: list[str] = []

    def watch(self, context, live_server_url: str) -> None:
        context.expose_binding(
            "__atalayaCspViolation", lambda _source, report: self.events.append(report)
        )
        context.add_init_script(REPORT_CSP_VIOLATIONS)

        def on_console(message) -> None:
            if "Content Security Policy" in message.text:
                self.console.append(message.text)

        def on_response(response) -> None:
            # The hub's pages, not the static files the live server serves beside them.
            if response.request.resource_type == "document" and response.url.startswith(
                live_server_url
            ):
                CSPWatch.pages_checked += 1
                if "content-security-policy" not in response.headers:
                    self.without_policy.append(f"{response.status} {response.url}")

        context.on("console", on_console)
        context.on("response", on_response)

    def problems(self) -> str:
        lines = [f"refused: {json.dumps(e, sort_keys=True)}" for e in self.events]
        lines += [f"console: {text}" for text in self.console]
        lines += [f"served without a Content-Security-Policy: {u}" for u in self.without_policy]
        return "\n".join(lines)


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """`new_page("desktop" | "phone")`: a page in a fresh context (its own cookies), English
    unless the person or the page switches, addressed relative to the live server.

    Every test that uses it fails if the Content-Security-Policy refused anything on its pages
    (inline script or style, a handler attribute, an eval, a resource from elsewhere) or if a
    page came without the policy."""
    contexts = []
    csp = CSPWatch()

    def make(viewport: str = "desktop"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=VIEWPORTS[viewport],
            locale="en-GB",
            timezone_id="America/Lima",
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        csp.watch(context, live_server.url)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
    CSPWatch.events_seen += len(csp.events)
    CSPWatch.console_reports_seen += len(csp.console)
    problems = csp.problems()
    if problems:
        pytest.fail(f"Content-Security-Policy:\n{problems}", pytrace=False)


def pytest_sessionfinish(session) -> None:
    """Hands this process's CSP counts to the root conftest's summary: directly, or through
    pytest-xdist's worker output when the suite runs on several workers."""
    counts = {
        "pages": CSPWatch.pages_checked,
        "events": CSPWatch.events_seen,
        "console": CSPWatch.console_reports_seen,
    }
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        workeroutput["csp"] = counts
    else:
        from conftest import add_csp_counts

        add_csp_counts(counts)


@pytest.fixture
def demo(live_server) -> None:
    """The demo coalition (`make run`'s), with what its worker would have done done in-process,
    so inboxes are filled: these tests look at pages; the flow test runs the real worker."""
    from django.core.management import call_command

    from notifications.models import Event
    from notifications.tasks import process_event

    call_command("load_demo", stdout=StringIO())
    pending = Event.objects.filter(processed_at__isnull=True).order_by("pk")
    for pk in pending.values_list("pk", flat=True):
        process_event.apply(args=[pk], throw=True)
