"""Browser tests: the portal driven in a real Chromium through Playwright.

The browser is the OS's (Debian's `chromium`, installed by scripts/setup.sh), never one that
Playwright downloads: CI and this machine reach only the package registries. One browser for
the package, a fresh context per person (contexts are cheap and keep cookies apart), pages
served by pytest-django's `live_server` from the test database.
"""

from __future__ import annotations

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


@pytest.fixture
def new_page(browser, live_server) -> Iterator[Callable]:
    """`new_page("desktop" | "phone")`: a page in a fresh context (its own cookies), English
    unless the person or the page switches, addressed relative to the live server."""
    contexts = []

    def make(viewport: str = "desktop"):
        context = browser.new_context(
            base_url=live_server.url,
            viewport=VIEWPORTS[viewport],
            locale="en-GB",
            timezone_id="America/Lima",
        )
        context.set_default_timeout(STEP_TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def demo(live_server) -> None:
    """The demo coalition (`make run`'s), with what its worker would have done done in-process,
    so inboxes are filled: these tests look at pages; the flow test runs the real worker."""
    from django.core.management import call_command

    from hub.models import Event
    from reports.tasks import process_event

    call_command("load_demo", stdout=StringIO())
    pending = Event.objects.filter(processed_at__isnull=True).order_by("pk")
    for pk in pending.values_list("pk", flat=True):
        process_event.apply(args=[pk], throw=True)
