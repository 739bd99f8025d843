"""`kernel.http.safe_next`: a `next` is followed only on this site, never off it."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from kernel.http import safe_next

HOST = "portal.example"


@pytest.fixture
def rf(settings) -> RequestFactory:
    settings.ALLOWED_HOSTS = [HOST]
    return RequestFactory(HTTP_HOST=HOST)


@pytest.mark.parametrize("target", ["/reports/7/", f"http://{HOST}/reports/7/"])
def test_a_next_on_this_site_is_followed(rf, target):
    assert safe_next(rf.post("/x/", {"next": target}), "/home/") == target


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_a_next_off_this_site_gives_the_default(rf, target):
    assert safe_next(rf.post("/x/", {"next": target}), "/home/") == "/home/"


def test_over_https_a_plain_http_next_gives_the_default(rf):
    request = rf.post("/x/", {"next": f"http://{HOST}/reports/"}, secure=True)
    assert safe_next(request, "/home/") == "/home/"


def test_the_query_strings_next_counts_unless_only_the_forms_is_wanted(rf):
    assert safe_next(rf.get("/x/", {"next": "/reports/"}), "/home/") == "/reports/"
    request = rf.post("/x/?next=/reports/")
    assert safe_next(request, "/home/", from_query=False) == "/home/"


def test_the_forms_next_wins_over_the_query_strings(rf):
    request = rf.post("/x/?next=/from-query/", {"next": "/from-form/"})
    assert safe_next(request, "/home/") == "/from-form/"
