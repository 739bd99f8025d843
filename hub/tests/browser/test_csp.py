"""The Content-Security-Policy in a real browser, on the pages no other browser test opens: the
API docs (Swagger UI, drawn entirely by script) and the error pages. The `new_page` fixture
fails a test on any refusal, so what each test here checks is that the page did its work."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from members.tests.factories import UserFactory, make_key

from .steps import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_work_under_the_policy(new_page, owner):
    key = make_key(owner)
    page = new_page("desktop")
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="Atalaya API")).to_be_visible()
    # Authorise with a key, then call the API from the page: Swagger UI's own script, its
    # dialog and its requests all ran under the policy.
    page.get_by_role("button", name="Authorize").first.click()
    page.get_by_role("textbox", name="auth-bearer-value").fill(key)
    page.get_by_role("button", name="Apply credentials").first.click()
    page.get_by_role("button", name="Close").first.click()
    operation = page.locator("#operations-organizations-organizations_list")
    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(
        operation.locator(".live-responses-table tbody .response-col_status").first
    ).to_have_text("200")


def test_the_not_found_page_keeps_the_portal_shell(new_page, owner):
    email = UserFactory(organization=owner, email="analyst@owner.example").email
    page = new_page("desktop")
    sign_in(page, email)
    response = page.goto("/reports/999999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.locator("header")).to_have_count(1)
