"""Two things of the order pages that save a reload: the status board that refreshes itself,
and the check step's button that removes the refused lines from the targets box.

The actors: an authority (a regulator in PE) that issues, the co-party (a PE telco, addressed
by default), a second PE telco, the owner (a rightsholder whose report the authority may pick
from) and an outsider (a BR telco, which sees nothing of a PE order)."""

from __future__ import annotations

import html
import re

import pytest
from django.urls import reverse

from members.models import Organization
from members.tests.factories import OrganizationFactory, UserFactory
from reports import dedup
from reports.tests.factories import agreement_between, report_by

from .. import services
from ..models import BlockingOrder
from .factories import as_actor, order_by

pytestmark = pytest.mark.django_db

NEW = reverse("enforcement:new")
PART = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "status-board"}


def signed_in(client, org: Organization, role: str = "analyst"):
    client.force_login(UserFactory(organization=org, role=role))
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


# --- the status board ------------------------------------------------------------------------


@pytest.fixture
def second_isp(db) -> Organization:
    return OrganizationFactory(slug="second-isp", kind="telco", country="PE")


@pytest.fixture
def order(authority, coparty, second_isp) -> BlockingOrder:
    return order_by(authority, reference="CDA-1", isps=[coparty, second_isp])


def test_the_order_page_polls_its_status_board_every_30_seconds_in_the_background(
    client, authority, order
):
    content = page(signed_in(client, authority).get(reverse("enforcement:detail", args=[order.pk])))

    board = re.search(r'<div id="status-board"[^>]*>', content).group(0)
    assert f'hx-get="{reverse("enforcement:board", args=[order.pk])}"' in board
    assert 'hx-trigger="every 30s, page-visible from:document"' in board
    assert '"Atalaya-Background": "poll"' in board  # not the person's activity


def test_the_board_part_shows_an_answer_given_since_the_page_loaded(
    client, authority, coparty, order
):
    signed_in(client, authority)
    url = reverse("enforcement:board", args=[order.pk])
    before = page(client.get(url, **PART))
    services.compliance_acknowledge(actor=as_actor(coparty), order=order)

    response = client.get(url, **PART)
    after = page(response)

    assert after.lstrip().startswith('<div id="status-board"') and "<html" not in after
    assert "(coparty)" in after and "(second-isp)" in after
    assert "Acknowledged" in after and after != before
    assert "HX-Target" in response["Vary"]  # the part is never cached as the page


def test_the_board_alone_is_a_page_and_an_isp_sees_only_its_own_answer(
    client, authority, coparty, second_isp, order
):
    signed_in(client, coparty)
    url = reverse("enforcement:board", args=[order.pk])

    whole = page(client.get(url))
    part = page(client.get(url, **PART))

    assert "<html" in whole and "Order CDA-1: the ISPs' answers" in whole
    for content in (whole, part):
        assert "(coparty)" in content
        assert "second-isp" not in content  # ISPs compete: never each other's answers
    issuer = page(signed_in(client, authority).get(url, **PART))
    assert "(coparty)" in issuer and "(second-isp)" in issuer


def test_the_board_of_an_order_you_may_not_see_is_404_as_a_missing_one(
    client, outsider, owner, order
):
    for org in (outsider, owner):
        signed_in(client, org)
        assert client.get(reverse("enforcement:board", args=[order.pk]), **PART).status_code == 404
        assert client.get(reverse("enforcement:board", args=[order.pk + 999])).status_code == 404


# --- removing the refused lines --------------------------------------------------------------


def compose(isps: list[Organization], targets: str, action: str, **more) -> dict:
    return {
        "reference": "CDA-2026-7",
        "legal_basis": "Resolución 7-2026",
        "targets": targets,
        "q": "",
        "reports": "",
        "isps": [str(o.pk) for o in isps],
        "deadline": "30",
        "action": action,
        **more,
    }


def textarea(content: str) -> str:
    match = re.search(r'<textarea name="targets"[^>]*>(.*?)</textarea>', content, re.S)
    assert match
    return match.group(1).strip()


def test_the_check_offers_to_remove_the_refused_lines_only_when_some_are_refused(
    client, authority, coparty
):
    signed_in(client, authority)

    refused = page(client.post(NEW, compose([coparty], "a.example\n104.16.1.1", "check")))
    clear = page(client.post(NEW, compose([coparty], "a.example", "check")))

    assert 'name="action" value="drop_refused"' in refused
    assert "Remove the refused target" in refused
    assert 'value="drop_refused"' not in clear


def test_removing_the_refused_lines_keeps_every_other_line_as_typed(client, authority, coparty):
    signed_in(client, authority)
    typed = (
        "# match day\nfutbol-libre.example\n104.16.1.1\nnot a name\n"
        "198.51.100.7\n104.16.1.1\nhttps://restream.example/live"
    )

    content = page(client.post(NEW, compose([coparty], typed, "drop_refused")))

    assert textarea(content) == (
        "# match day\nfutbol-libre.example\nnot a name\n198.51.100.7\nhttps://restream.example/live"
    )
    assert (
        "Removed from the targets, as the protected list refuses it: Lines 3, 6 (104.16.1.1)"
        in (content)
    )
    assert "none on the protected list" in content  # checked again: nothing refused is left
    assert "Line 3 (not a name)" in content  # renumbered, still to fix
    assert "Lines 3, 6" not in content.split("Removed from the targets")[0]
    assert 'value="CDA-2026-7"' in content  # the rest of the form as typed
    assert not BlockingOrder.objects.exists()


def test_removing_the_refused_lines_unticks_a_refused_picked_target(
    client, authority, owner, coparty
):
    agreement_between(owner, authority)
    report = report_by(owner, indicators=[("ipv4", "104.16.2.2"), ("domain", "keep.example")])
    dedup.link_reports([report.pk])
    targets = {i.kind: i.target for i in report.indicators.all()}
    refused, kept = targets["ipv4"], targets["domain"]
    signed_in(client, authority)

    content = page(
        client.post(
            NEW,
            compose(
                [coparty],
                "typed.example",
                "drop_refused",
                picked=[str(refused.uid), str(kept.uid)],
            ),
        )
    )

    assert f'value="{kept.uid}" checked' in content
    assert f'value="{refused.uid}" checked' not in content
    assert "Picked target (104.16.2.2)" in content
    assert textarea(content) == "typed.example"


def test_removing_the_refused_lines_is_for_an_issuer_only(client, coparty, authority):
    signed_in(client, coparty)

    response = client.post(NEW, compose([coparty], "104.16.1.1", "drop_refused"))

    assert response.status_code == 403
