"""What the requester of an unblock request reads and follows: the page after the form, the
acknowledgment, and the status page reached by the request's reference and its token.

Anyone may file a request about any name, so every answer is made of the orders in the
register only: a name only a confidential order covers reads, to the byte, like a name no
order ever covered, now and after the issuer has answered, and the form does the same work for
both (the confidential order's issuer is reached by the sweeper, after the answer has gone).

The actors: an authority (a regulator in PE) that issues orders, the co-party (a PE telco they
address) and an outsider (a BR telco)."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enforcement import tasks, unblock
from enforcement.events import OrderEvent
from enforcement.models import UnblockRequest, UnblockReview
from enforcement.transparency.requests import status_path, status_token
from members.models import AuditEvent
from notifications.models import Event

from .factories import as_actor, neutral, order_by, without_csrf

pytestmark = pytest.mark.django_db

FORM = "/transparency/unblock/"
LINK = re.compile(r'href="(/transparency/unblock/UR-[0-9A-Z]{4}-[0-9A-Z]{4}/[A-Za-z0-9_-]+/)"')


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """Events are rows nobody processes here; each test starts with a fresh throttle."""
    monkeypatch.setattr("notifications.outbox._enqueue", lambda event_id, urgent: None)
    cache.clear()
    yield
    cache.clear()


def ask(client, value: str, *, email: str = "ana@site.example"):
    data = {
        "name": "Ana Site-Owner",
        "email": email,
        "organization": "",
        "relation": "site_owner",
        "value": value,
        "message": "This is my cooking blog; it has nothing to do with football.",
        "website": "",
    }
    return client.post(FORM, data, REMOTE_ADDR="192.0.2.10")


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def status_link(html: str) -> str:
    (link,) = set(LINK.findall(html))
    return link


def answer(review: UnblockReview, decision: str, captured) -> None:
    with captured(execute=True):
        unblock.review_answer(
            actor=as_actor(review.order.issuer),
            review=review,
            decision=decision,
            answer="The site streams the league's matches.",
        )


# --- a confidential order is never told apart from no order ----------------------------------


@pytest.mark.parametrize("decision", ["upheld", "dismissed"])
def test_a_name_only_a_confidential_order_covers_reads_like_a_name_never_blocked(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox, decision
):
    order_by(authority, targets=(("domain", "secret-cover.example"),), confidential=True)
    secret, free = "secret-cover.example", "never-blocked.example"

    ask(client, "warm-up.example")  # the address's first request also creates its rate count
    mailoutbox.clear()
    responses, work = {}, {}
    for name in (secret, free):
        with (
            CaptureQueriesContext(connection) as queries,
            django_capture_on_commit_callbacks(execute=True),
        ):
            responses[name] = ask(client, name)
        work[name] = len(queries)

    # The form did the same work for both (the timing class): no review of the confidential
    # order yet, nor any event, nor a query more.
    assert work[secret] == work[free]
    assert not UnblockReview.objects.exists()
    assert not Event.objects.filter(type=OrderEvent.UNBLOCK_REQUESTED).exists()
    assert responses[secret].status_code == responses[free].status_code == 200
    sent = {name: page(responses[name]) for name in (secret, free)}
    assert "No order published in the transparency register covered" in sent[free]
    assert neutral(sent[secret], secret) == neutral(sent[free], free)
    first, second = mailoutbox
    assert neutral(first.subject, secret) == neutral(second.subject, free)
    assert neutral(first.body, secret) == neutral(second.body, free)

    # The sweeper routes the request to the confidential order's issuer, who answers.
    unblock.requests_route_pending()
    review = UnblockReview.objects.get()
    assert review.request.value == secret
    answer(review, decision, django_capture_on_commit_callbacks)

    statuses = {name: page(client.get(status_link(sent[name]))) for name in (secret, free)}
    assert "Closed: no order in the register covers the name" in statuses[free]
    assert neutral(statuses[secret], secret) == neutral(statuses[free], free)
    assert len(mailoutbox) == 2  # nothing follows the acknowledgment, for either


def test_an_order_in_the_register_and_a_confidential_one_show_only_the_first(
    client, authority, coparty, django_capture_on_commit_callbacks
):
    order_by(authority, targets=(("domain", "pirate.example"),), reference="PUB-1")
    order_by(
        authority, targets=(("domain", "pirate.example"),), reference="SECRET-2", confidential=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        sent = page(ask(client, "pirate.example"))
    unblock.requests_route_pending()
    for review in UnblockReview.objects.select_related("order__issuer"):
        answer(review, "dismissed", django_capture_on_commit_callbacks)

    status = page(client.get(status_link(sent)))

    assert UnblockReview.objects.count() == 2
    for html in (sent, status):
        assert "PUB-1" in html and "SECRET-2" not in html
    assert "Dismissed: the block stays" in status


# --- an order in the register ----------------------------------------------------------------


def test_a_name_an_order_in_the_register_covers_opens_the_review_at_once_and_names_the_order(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    order = order_by(authority, targets=(("domain", "pirate.example"),), reference="PUB-7")

    with django_capture_on_commit_callbacks(execute=True):
        sent = page(ask(client, "www.pirate.example"))

    request = UnblockRequest.objects.get()
    review = UnblockReview.objects.get(request=request)  # no sweep needed
    assert review.order == order
    assert Event.objects.filter(type=OrderEvent.UNBLOCK_REQUESTED).count() == 1
    assert "These orders published in the transparency register cover this name" in sent
    assert "PUB-7" in sent and authority.name in sent and "ana@site.example" in sent
    assert request.reference in sent
    (ack,) = mailoutbox
    assert "PUB-7" in ack.body and request.reference in ack.body
    assert status_path(request.reference) in ack.body
    status = page(client.get(status_link(sent)))
    assert "Open: awaiting an answer" in status
    assert "Awaiting the authority&#x27;s answer" in status


def test_the_status_page_follows_the_issuers_answer(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    order_by(authority, targets=(("domain", "pirate.example"),), reference="PUB-7")
    with django_capture_on_commit_callbacks(execute=True):
        sent = page(ask(client, "pirate.example"))
    review = UnblockReview.objects.get()

    answer(review, "upheld", django_capture_on_commit_callbacks)

    status = page(client.get(status_link(sent)))
    assert "Upheld: the order no longer covers this name" in status
    assert ">Answered<" in status
    assert "The site streams" not in status  # the reasons go by e-mail, to the requester
    upheld = mailoutbox[-1]
    assert "upheld" in upheld.subject
    assert status_path(review.request.reference) in upheld.body
    # The link in the e-mail is the page's own.
    link = re.search(r"https?://[^/\s]+(/transparency/unblock/\S+/)", upheld.body).group(1)
    assert without_csrf(page(client.get(link))) == without_csrf(status)


def test_a_second_request_from_the_same_address_follows_the_first_without_its_decision(
    client, authority, coparty, django_capture_on_commit_callbacks
):
    # Anyone may type any address on the form: the later request is told the review is under
    # way, and once answered that the answer went to the address, never the decision.
    order_by(authority, targets=(("domain", "pirate.example"),), reference="PUB-7")
    with django_capture_on_commit_callbacks(execute=True):
        first = status_link(page(ask(client, "pirate.example")))
        again = page(ask(client, "pirate.example"))
    assert "Your address had already asked about this name" in again
    review = UnblockReview.objects.get()

    answer(review, "dismissed", django_capture_on_commit_callbacks)

    assert "Dismissed: the block stays" in page(client.get(first))
    later = page(client.get(status_link(again)))
    assert "Answered: the answer was sent to your e-mail address" in later
    assert "Dismissed" not in later


# --- the link ---------------------------------------------------------------------------------


def test_a_wrong_token_an_unknown_reference_and_another_requests_token_are_404(
    client, authority, coparty
):
    with_order = order_by(authority, targets=(("domain", "pirate.example"),))
    assert with_order
    ask(client, "pirate.example")
    ask(client, "other.example", email="bob@site.example")
    mine, theirs = UnblockRequest.objects.order_by("pk")
    base = f"{FORM}{mine.reference}/"

    assert client.get(status_path(mine.reference)).status_code == 200
    assert client.get(f"{base}{status_token(mine.reference)[:-1]}x/").status_code == 404
    assert client.get(f"{base}{status_token(theirs.reference)}/").status_code == 404
    unknown = "UR-0000-0000"
    assert client.get(f"{FORM}{unknown}/{status_token(unknown)}/").status_code == 404
    assert client.get(f"{FORM}{mine.pk}/{status_token(str(mine.pk))}/").status_code == 404


def test_the_reference_is_random_and_no_page_shows_the_requests_number(client, authority, coparty):
    sent = [page(ask(client, f"site{i}.example")) for i in range(3)]
    requests = list(UnblockRequest.objects.order_by("pk"))

    assert all(re.fullmatch(r"UR-[0-9A-Z]{4}-[0-9A-Z]{4}", r.reference) for r in requests)
    assert len({r.reference for r in requests}) == 3
    for html, request in zip(sent, requests, strict=True):
        status = page(client.get(status_link(html)))
        assert request.reference in status
        assert f"/{request.pk}/" not in html + status
        assert "UTC" in status  # public pages read in UTC, and say so


def test_the_status_page_is_not_kept_by_caches(client, authority, coparty):
    sent = page(ask(client, "pirate.example"))

    response = client.get(status_link(sent))

    assert "no-store" in response["Cache-Control"]


# --- the sweeper ------------------------------------------------------------------------------


def test_the_sweeper_routes_a_request_to_confidential_orders_once(client, authority, coparty):
    order = order_by(authority, targets=(("domain", "pirate.example"),), confidential=True)
    ask(client, "pirate.example")
    ask(client, "never-blocked.example")

    assert tasks.sweep_orders()["unblock_routed"] == 2
    assert tasks.sweep_orders()["unblock_routed"] == 0

    review = UnblockReview.objects.get()
    assert review.order == order and review.request.value == "pirate.example"
    assert not UnblockRequest.objects.filter(routed_at__isnull=True).exists()
    event = Event.objects.get(type=OrderEvent.UNBLOCK_REQUESTED)
    assert (event.subject_ids, event.data) == ([order.pk], {"review_id": review.pk})
    assert AuditEvent.objects.filter(action="unblock.routed").count() == 1
