"""Answers per target on an order's page (issue 14): the addressed ISP ticks targets and marks
them blocked, or impossible with a reason; the issuer reads "1 of 2 targets blocked" and why on
the status board. The actors: the authority (a PE regulator) that issues, the co-party (a PE
telco) that answers, a second PE telco addressed by the same order, and an outsider (a BR
telco)."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Organization
from members.tests.factories import OrganizationFactory, UserFactory

from ..models import BlockingOrder, Compliance, TargetAnswer
from .factories import order_by

pytestmark = pytest.mark.django_db

DNS_ONLY = "URL blocking not supported on our DNS resolver"


@pytest.fixture
def second_isp(db) -> Organization:
    return OrganizationFactory(slug="second-isp", kind="telco", country="PE")


@pytest.fixture
def order(authority, coparty, second_isp) -> BlockingOrder:
    return order_by(
        authority,
        targets=[("domain", "futbol-libre.example"), ("url", "https://futbol-libre.example/live")],
    )


def signed_in(client, org: Organization, role: str = "analyst"):
    client.force_login(UserFactory(organization=org, role=role))
    return client


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def _ids(order: BlockingOrder) -> dict[str, int]:
    return {t.kind: t.pk for t in order.targets.all()}


def _answer(client, order, targets: list[int], state: str, **fields):
    data = {"answers-targets": targets, "answers-state": state}
    data.update({f"answers-{k}": v for k, v in fields.items()})
    return client.post(reverse("enforcement:target_answers", args=[order.pk]), data)


def test_an_isp_answers_per_target_and_the_issuer_reads_one_of_two_blocked_and_why(
    client, authority, coparty, second_isp, order
):
    ids = _ids(order)
    signed_in(client, coparty)
    form = text(client.get(reverse("enforcement:detail", args=[order.pk])))
    assert f'action="/orders/{order.pk}/target-answers/"' in form
    assert f'name="answers-targets" value="{ids["url"]}"' in form

    blocked = _answer(client, order, [ids["domain"]], "implemented")
    impossible = _answer(
        client,
        order,
        [ids["url"]],
        "impossible",
        reason="not_technically_possible",
        detail=DNS_ONLY,
    )

    assert blocked.status_code == impossible.status_code == 302
    mine = text(client.get(impossible.url))
    assert "1 target answered" in mine
    assert "1 of 2 targets blocked, 1 impossible" in mine
    assert f'name="answers-targets" value="{ids["url"]}"' in mine  # may still be blocked later
    assert f'name="answers-targets" value="{ids["domain"]}"' not in mine  # blocked stays
    assert Compliance.objects.get(isp=coparty).state == Compliance.State.PER_TARGET
    client.force_login(UserFactory(organization=authority, role="analyst"))
    for url in (
        reverse("enforcement:detail", args=[order.pk]),
        reverse("enforcement:board", args=[order.pk]),
    ):
        issuer = text(client.get(url))
        assert "Answered per target" in issuer
        assert "1 of 2 targets blocked, 1 impossible" in issuer
        words = re.sub(r"<[^>]+>", "", issuer)
        assert f"https://futbol-libre.example/live: Not technically possible — {DNS_ONLY}" in words
        assert "0 of 2 targets blocked" in issuer  # the second ISP has not answered


def test_another_isp_of_the_same_order_never_reads_the_first_ones_answers(
    client, authority, coparty, second_isp, order
):
    ids = _ids(order)
    signed_in(client, coparty)
    _answer(client, order, [ids["url"]], "impossible", reason="other", detail=DNS_ONLY)

    signed_in(client, second_isp)
    theirs = text(client.get(reverse("enforcement:detail", args=[order.pk])))
    board = text(client.get(reverse("enforcement:board", args=[order.pk])))

    assert DNS_ONLY not in theirs and DNS_ONLY not in board
    assert "coparty" not in theirs and "coparty" not in board
    assert "0 of 2 targets blocked" in theirs


def test_an_outsider_gets_404_and_changes_nothing(client, authority, coparty, outsider, order):
    signed_in(client, outsider)

    response = _answer(client, order, [_ids(order)["domain"]], "implemented")

    assert response.status_code == 404
    assert not TargetAnswer.objects.exists()


def test_a_viewer_of_the_isp_may_read_but_not_answer(client, authority, coparty, order):
    signed_in(client, coparty, role="viewer")

    detail = text(client.get(reverse("enforcement:detail", args=[order.pk])))
    response = _answer(client, order, [_ids(order)["domain"]], "implemented")

    assert 'name="answers-targets"' not in detail
    assert "Not answered yet" in detail
    assert response.status_code == 403
    assert not TargetAnswer.objects.exists()


def test_impossible_without_a_reason_is_said_next_to_it_and_the_ticks_are_kept(
    client, authority, coparty, order
):
    ids = _ids(order)
    signed_in(client, coparty)

    response = text(_answer(client, order, [ids["url"]], "impossible"))
    nothing = text(_answer(client, order, [], "implemented"))

    assert "Say why the ticked targets cannot be blocked." in response
    assert f'value="{ids["url"]}" id="answer-{ids["url"]}"' in response
    label = "Answer for https://futbol-libre.example/live"
    assert f'id="answer-{ids["url"]}" aria-label="{label}" checked' in response
    assert "Tick the targets you are answering." in nothing
    assert not TargetAnswer.objects.exists()


def test_marking_a_blocked_target_impossible_shows_why_it_is_refused(
    client, authority, coparty, order
):
    ids = _ids(order)
    signed_in(client, coparty)
    _answer(client, order, [ids["domain"]], "implemented")

    refused = _answer(client, order, [ids["domain"]], "impossible", reason="shared_address")

    assert refused.status_code == 302
    assert "cannot be marked impossible" in text(client.get(refused.url))
    assert TargetAnswer.objects.get().state == TargetAnswer.State.IMPLEMENTED


def test_the_answer_updates_the_page_in_place_with_htmx(client, authority, coparty, order):
    ids = _ids(order)
    signed_in(client, coparty)
    detail = text(client.get(reverse("enforcement:detail", args=[order.pk])))

    response = client.post(
        reverse("enforcement:target_answers", args=[order.pk]),
        {"answers-targets": [ids["domain"], ids["url"]], "answers-state": "implemented"},
        HTTP_HX_REQUEST="true",
        follow=True,
    )

    assert f'hx-post="/orders/{order.pk}/target-answers/"' in detail
    assert response.status_code == 200 and "<main " in response.content.decode()
    assert Compliance.objects.get(isp=coparty).state == Compliance.State.IMPLEMENTED
    assert "2 of 2 targets blocked" in text(response)
    assert 'name="answers-targets"' not in text(response)  # nothing left to answer


def test_the_issuers_page_takes_as_many_queries_with_answers_as_without(
    client, authority, coparty, second_isp, order
):
    signed_in(client, authority)
    url = reverse("enforcement:detail", args=[order.pk])
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    ids = _ids(order)
    for isp in (coparty, second_isp):
        answers = client.__class__()
        signed_in(answers, isp)
        _answer(answers, order, [ids["url"]], "impossible", reason="shared_address")

    with CaptureQueriesContext(connection) as after:
        client.get(url)

    assert len(after) == len(before)
