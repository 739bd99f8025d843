"""The inbox with htmx: marking one item or all of them read happens in place, the response
tells the navigation's unread badge (HX-Trigger: unread-changed), and without htmx every form
still posts and comes back to the inbox.

The actors: the owner reports, the co-party is told (an agreement shares the report with it),
the outsider is told nothing."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members import services as member_services
from members.services import Actor
from members.tests.factories import UserFactory
from notifications import fanout
from notifications.models import Event, Notification
from reports import dedup

from .factories import agreement_between, report_by

pytestmark = pytest.mark.django_db

INBOX = reverse("reports:inbox")


@pytest.fixture
def shared(owner, coparty):
    return agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])


def told(owner, title: str) -> Notification:
    """The owner reports `title`; the co-party is told of it (one inbox item)."""
    report = report_by(owner, title=title)
    event = Event.objects.filter(type="report.shared").latest("pk")
    dedup.link_reports(event.subject_ids)
    fanout.fan_out(event)
    return Notification.objects.get(subject_id=report.pk)


def read_url(item: Notification) -> str:
    return reverse("reports:inbox_read", args=[item.pk])


def htmx(target: str | None = None) -> dict:
    """The headers htmx sends: HX-Target only when the element it swaps has an id."""
    sent = {"HTTP_HX_REQUEST": "true"}
    if target:
        sent["HTTP_HX_TARGET"] = target
    return sent


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def triggers(response) -> dict:
    return json.loads(response.get("HX-Trigger", "{}"))


def test_each_unread_item_offers_mark_as_read_with_htmx_and_the_badge_listens(
    client, owner, coparty, shared
):
    item = told(owner, "Derby mirror")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    page = text(client.get(INBOX))

    assert f'<tr id="notification-{item.pk}" class="unread">' in page
    assert f'action="{read_url(item)}"' in page and f'hx-post="{read_url(item)}"' in page
    assert 'hx-target="closest tr"' in page and ">Mark as read</button>" in page
    assert 'hx-post="/reports/inbox/" hx-target="#inbox-results"' in page
    assert 'hx-trigger="every 30s, unread-changed from:body"' in page


def test_marking_one_item_read_with_htmx_returns_its_row_and_tells_the_badge(
    client, owner, coparty, shared
):
    item = told(owner, "Derby mirror")
    other = told(owner, "Ripper site")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    response = client.post(read_url(item), **htmx(f"notification-{item.pk}"))
    row = text(response)

    assert row.lstrip().startswith(f'<tr id="notification-{item.pk}">')
    assert "Derby mirror" in row and "Mark as read" not in row and "<main " not in row
    assert triggers(response) == {"unread-changed": {}}
    assert "HX-Request" in response["Vary"]
    item.refresh_from_db()
    other.refresh_from_db()
    assert item.read_at is not None and other.read_at is None
    badge = text(client.get(reverse("unread_badge"), **htmx()))
    assert 'aria-label="1 unread"' in badge


def test_without_htmx_marking_one_item_read_comes_back_to_the_inbox_page(
    client, owner, coparty, shared
):
    item = told(owner, "Derby mirror")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    response = client.post(read_url(item) + "?page=2")

    assert response.status_code == 302 and response.url == INBOX + "?page=2"
    item.refresh_from_db()
    assert item.read_at is not None
    assert 'aria-label="1 unread"' not in text(client.get(INBOX))


def test_marking_an_item_read_twice_keeps_the_first_time(client, owner, coparty, shared):
    item = told(owner, "Derby mirror")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    client.post(read_url(item), **htmx())
    first = Notification.objects.get(pk=item.pk).read_at
    again = client.post(read_url(item), **htmx())

    assert again.status_code == 200
    assert Notification.objects.get(pk=item.pk).read_at == first


def test_the_outsider_gets_404_marking_another_organisations_item_read(
    client, owner, coparty, outsider, shared
):
    item = told(owner, "Derby mirror")
    client.force_login(UserFactory(organization=outsider, role="analyst"))

    with_htmx = client.post(read_url(item), **htmx())
    without = client.post(read_url(item))
    missing = client.post(reverse("reports:inbox_read", args=[item.pk + 1000]), **htmx())

    assert with_htmx.status_code == without.status_code == missing.status_code == 404
    assert Notification.objects.get(pk=item.pk).read_at is None


def test_an_item_about_a_report_no_longer_visible_is_404_to_mark_read(
    client, owner, coparty, shared
):
    item = told(owner, "Derby mirror")
    member_services.agreement_suspend(actor=Actor.system(), agreement=shared)
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    assert client.post(read_url(item), **htmx()).status_code == 404
    assert Notification.objects.get(pk=item.pk).read_at is None


def test_marking_one_item_read_needs_a_post(client, owner, coparty, shared):
    item = told(owner, "Derby mirror")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    assert client.get(read_url(item), **htmx()).status_code == 405
    assert Notification.objects.get(pk=item.pk).read_at is None


def test_marking_all_read_with_htmx_swaps_the_items_and_tells_the_badge(
    client, owner, coparty, shared
):
    told(owner, "Derby mirror")
    told(owner, "Ripper site")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    response = client.post(INBOX, **htmx("inbox-results"))
    part = text(response)

    assert part.lstrip().startswith('<div id="inbox-results">') and "<main " not in part
    assert "Derby mirror" in part and "Ripper site" in part
    assert 'class="unread"' not in part and "Mark as read" not in part
    assert triggers(response) == {"unread-changed": {}}
    assert {"HX-Request", "HX-Target"} <= {v.strip() for v in response["Vary"].split(",")}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_without_htmx_marking_all_read_still_redirects_to_the_inbox(client, owner, coparty, shared):
    told(owner, "Derby mirror")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    response = client.post(INBOX)

    assert response.status_code == 302 and response.url == INBOX
    assert "HX-Trigger" not in response
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_marking_all_read_leaves_the_outsiders_items_alone(
    client, owner, coparty, outsider, shared
):
    item = told(owner, "Derby mirror")
    client.force_login(UserFactory(organization=outsider, role="viewer"))

    part = text(client.post(INBOX, **htmx("inbox-results")))

    assert "Derby mirror" not in part and "Nothing yet." in part
    assert Notification.objects.get(pk=item.pk).read_at is None


def test_the_inbox_pager_swaps_only_the_items(client, owner, coparty, shared, monkeypatch):
    monkeypatch.setattr("reports.views.PAGE_SIZE", 1)
    told(owner, "Derby mirror")
    told(owner, "Ripper site")
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    first = text(client.get(INBOX))
    second = text(client.get(INBOX, {"page": 2}, **htmx("inbox-results")))

    assert 'hx-boost="true" hx-target="#inbox-results"' in first and "Ripper site" in first
    assert "<main " not in second and "Derby mirror" in second and "Ripper site" not in second
    assert 'action="/reports/inbox/?page=2"' in second


def test_the_inbox_items_take_as_many_queries_for_10_as_for_1(client, owner, coparty, shared):
    client.force_login(UserFactory(organization=coparty, role="viewer"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            text(client.get(INBOX, **htmx("inbox-results")))
        return len(ctx.captured_queries)

    told(owner, "Report 0")
    with_1 = queries()
    for i in range(1, 10):
        told(owner, f"Report {i}")
    assert queries() == with_1
    assert Notification.objects.filter(organization=coparty).count() == 10
