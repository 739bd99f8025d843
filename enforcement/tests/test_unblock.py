"""Unblock requests: a third party asks on the public form, the issuer of every order in force
that covers the name reviews it (confidential orders too, routed by the sweeper), and answers
in the portal or the API. The requester never learns whether a confidential order covered the
name (what the requester reads and follows: test_unblock_follow.py).

The actors: an authority (a regulator in PE) that issues orders, the co-party (a PE telco they
address) and an outsider (a BR telco)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from conftest import api_client_for
from enforcement import transparency, unblock
from enforcement.events import OrderEvent
from enforcement.models import BlockingOrder, OrderTarget, UnblockRequest, UnblockReview
from enforcement.selectors import blocklist_entries
from members.models import AuditEvent
from members.tests.factories import OrganizationFactory, UserFactory
from notifications.models import Event, Notification
from notifications.tasks import process_event

from .factories import as_actor, neutral, order_by, without_csrf

pytestmark = pytest.mark.django_db

FORM = "/transparency/unblock/"
API = "/api/v1/unblock-requests/"


@pytest.fixture(autouse=True)
def _quiet(monkeypatch):
    """Events are rows (processed by hand here), and each test starts with a fresh throttle."""
    monkeypatch.setattr("notifications.outbox._enqueue", lambda event_id, urgent: None)
    cache.clear()
    yield
    cache.clear()


def ask(client, value: str, *, address: str = "192.0.2.10", **fields):
    data = {
        "name": "Ana Site-Owner",
        "email": "ana@site.example",
        "organization": "",
        "relation": "site_owner",
        "value": value,
        "message": "This is my cooking blog; it has nothing to do with football.",
        "website": "",
        **fields,
    }
    return client.post(FORM, data, REMOTE_ADDR=address)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def open_review(authority, value: str = "www.pirate.example", **order) -> UnblockReview:
    order.setdefault("targets", (("domain", "pirate.example"), ("domain", "other-mirror.example")))
    placed = order_by(authority, **order)
    unblock.request_submit(
        data=unblock.UnblockInput(
            name="Ana", email="ana@site.example", value=value, message="Please unblock my site."
        )
    )
    unblock.requests_route_pending()  # what the sweeper does for confidential orders
    return UnblockReview.objects.get(order=placed)


# --- the public form -------------------------------------------------------------------------


@pytest.mark.parametrize("confidential", [False, True])
def test_a_request_for_a_name_an_order_covers_opens_a_review_for_its_issuer_and_an_inbox_item(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox, confidential
):
    order = order_by(authority, targets=(("domain", "pirate.example"),), confidential=confidential)

    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, "WWW.Pirate.example")
        unblock.requests_route_pending()

    assert response.status_code == 200
    request = UnblockRequest.objects.get()
    assert (request.kind, request.value) == ("domain", "www.pirate.example")
    review = UnblockReview.objects.get(request=request)
    assert review.order == order
    assert review.status == "open"
    expected_due = request.created_at + timedelta(days=7)
    assert abs(review.answer_due - expected_due) < timedelta(seconds=1)
    event = Event.objects.get(type=OrderEvent.UNBLOCK_REQUESTED)
    assert (event.subject_ids, event.data) == ([order.pk], {"review_id": review.pk})
    process_event(event.pk)
    assert list(
        Notification.objects.filter(event=event).values_list("organization", flat=True)
    ) == [authority.pk]
    (ack,) = mailoutbox
    assert ack.to == ["ana@site.example"]
    assert "www.pirate.example" in ack.subject


def test_a_name_no_order_covers_is_recorded_without_a_review(client, authority, coparty):
    order_by(authority, targets=(("domain", "pirate.example"),))

    ask(client, "cooking-blog.example")
    unblock.requests_route_pending()

    assert UnblockRequest.objects.get().value == "cooking-blog.example"
    assert not UnblockReview.objects.exists()
    assert not Event.objects.filter(type=OrderEvent.UNBLOCK_REQUESTED).exists()


def test_the_requester_sees_the_same_page_and_mail_whether_or_not_a_confidential_order_matched(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    order_by(authority, targets=(("domain", "secret-cover.example"),), confidential=True)

    with django_capture_on_commit_callbacks(execute=True):
        covered = page(ask(client, "secret-cover.example"))
    with django_capture_on_commit_callbacks(execute=True):
        free = page(ask(client, "public-free.example"))
    unblock.requests_route_pending()

    assert UnblockReview.objects.count() == 1
    assert "No order published in the transparency register covered" in covered
    assert "ana@site.example" in covered
    assert neutral(covered, "secret-cover.example") == neutral(free, "public-free.example")
    first, second = mailoutbox
    assert neutral(first.body, "secret-cover.example") == neutral(
        second.body, "public-free.example"
    )


def mailbox(outbox, address: str, name: str) -> list[tuple[str, str]]:
    """What one requester received, in order, with the name they asked about (and the request's
    reference and link) made neutral."""
    return [(neutral(m.subject, name), neutral(m.body, name)) for m in outbox if m.to == [address]]


@pytest.mark.parametrize("decision", ["upheld", "dismissed"])
def test_the_requester_of_a_confidentially_blocked_name_receives_what_a_free_names_does(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox, decision
):
    # The issuer still reviews the request; nothing the requester receives, now or once the
    # issuer has answered, may differ from what they would get for a name no order covers.
    order_by(authority, targets=(("domain", "secret-cover.example"),), confidential=True)
    secret, free = "secret-cover.example", "never-blocked.example"

    with django_capture_on_commit_callbacks(execute=True):
        covered_page = page(ask(client, secret, email="covered@site.example"))
    with django_capture_on_commit_callbacks(execute=True):
        free_page = page(ask(client, free, email="free@site.example"))
    unblock.requests_route_pending()
    acknowledged = (
        mailbox(mailoutbox, "covered@site.example", secret),
        mailbox(mailoutbox, "free@site.example", free),
    )
    review = UnblockReview.objects.get()
    event = Event.objects.get(type=OrderEvent.UNBLOCK_REQUESTED)
    process_event(event.pk)
    with django_capture_on_commit_callbacks(execute=True):
        unblock.review_answer(
            actor=as_actor(authority),
            review=review,
            decision=decision,
            answer="The site streams the league's matches.",
        )

    assert review.request.value == secret
    assert Notification.objects.filter(event=event, organization=authority).exists()
    review.refresh_from_db()
    assert review.status == decision
    covered_mail = mailbox(mailoutbox, "covered@site.example", secret)
    free_mail = mailbox(mailoutbox, "free@site.example", free)
    assert acknowledged[0] == acknowledged[1] and len(acknowledged[0]) == 1
    assert covered_mail == free_mail == acknowledged[1]
    pages = [
        neutral(body, name).replace(address, "ADDRESS")
        for body, name, address in (
            (covered_page, secret, "covered@site.example"),
            (free_page, free, "free@site.example"),
        )
    ]
    assert pages[0] == pages[1]
    searched = [
        without_csrf(page(client.get("/transparency/search/", {"q": name}))).replace(name, "NAME")
        for name in (secret, free)
    ]
    assert searched[0] == searched[1]


def test_a_name_under_a_public_and_a_confidential_order_hears_only_from_the_public_one(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    police = OrganizationFactory(slug="police", kind="law_enforcement", country="PE")
    order_by(authority, targets=(("domain", "pirate.example"),), reference="PUB-1")
    order_by(
        police, targets=(("domain", "pirate.example"),), reference="SECRET-2", confidential=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, "pirate.example")
    unblock.requests_route_pending()

    for review in UnblockReview.objects.select_related("order__issuer"):
        with django_capture_on_commit_callbacks(execute=True):
            unblock.review_answer(
                actor=as_actor(review.order.issuer),
                review=review,
                decision="dismissed",
                answer="The block stays for now.",
            )

    acknowledgment, answer = mailoutbox
    assert "PUB-1" in answer.body and authority.name in answer.body
    for mail in (acknowledgment, answer):
        for secret in ("SECRET-2", police.name):
            assert secret not in mail.body and secret not in mail.subject


def test_the_form_is_prefilled_from_the_search_result_link(client):
    body = page(client.get(FORM, {"value": "www.pirate.example"}))

    assert 'value="www.pirate.example"' in body


def test_an_invalid_name_gets_a_form_error_and_nothing_is_stored(client):
    body = page(ask(client, "http://exa mple.example/"))

    assert "Give a domain name, a URL or an IP address" in body
    assert not UnblockRequest.objects.exists()


def test_the_honeypot_reads_like_success_and_stores_nothing(client, authority, coparty):
    order_by(authority, targets=(("domain", "pirate.example"),))

    body = page(ask(client, "pirate.example", website="http://spam.example"))

    assert "These orders published in the transparency register cover this name" in body
    assert not UnblockRequest.objects.exists()
    assert not Event.objects.filter(type=OrderEvent.UNBLOCK_REQUESTED).exists()


def test_the_eleventh_request_in_an_hour_from_one_address_is_refused(client):
    for i in range(10):
        assert ask(client, f"site{i}.example").status_code == 200

    refused = ask(client, "site10.example")

    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert UnblockRequest.objects.count() == 10
    assert ask(client, "site10.example", address="198.51.100.20").status_code == 200


def test_the_same_person_asking_twice_opens_no_second_review(client, authority, coparty):
    order_by(authority, targets=(("domain", "pirate.example"),))

    ask(client, "pirate.example")
    ask(client, "pirate.example")

    first, again = UnblockRequest.objects.order_by("created_at", "pk")
    review = UnblockReview.objects.get()
    assert review.request == first
    assert list(review.repeated_by.all()) == [again]


def test_a_request_reaches_every_issuer_whose_order_covers_the_name(client, authority, coparty):
    police = OrganizationFactory(slug="police", kind="law_enforcement", country="PE")
    by_authority = order_by(authority, targets=(("cidr", "203.0.113.0/24"),))
    by_police = order_by(police, targets=(("ipv4", "203.0.113.7"),), confidential=True)
    order_by(authority, targets=(("ipv4", "203.0.113.8"),))

    ask(client, "http://203.0.113.7/live")
    unblock.requests_route_pending()

    assert set(UnblockReview.objects.values_list("order", flat=True)) == {
        by_authority.pk,
        by_police.pk,
    }


# --- the issuer's answer: portal -------------------------------------------------------------


def test_the_issuer_upholds_and_the_entry_leaves_the_blocklist(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    review = open_review(authority, "www.pirate.example")
    assert {e.value for e in blocklist_entries(coparty)} == {
        "pirate.example",
        "other-mirror.example",
    }
    client.force_login(UserFactory(organization=authority, role="analyst"))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/orders/unblock-requests/{review.pk}/",
            {"decision": "upheld", "answer": "The blog is not a mirror; lifted."},
        )

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "upheld"
    assert review.answered_by.organization == authority
    assert {e.value for e in blocklist_entries(coparty)} == {"other-mirror.example"}
    assert OrderTarget.objects.get(value="pirate.example").lifted_at is not None
    assert AuditEvent.objects.filter(action="blocking_order.unblock_answered").count() == 1
    (answer,) = [m for m in mailoutbox if "upheld" in m.subject]
    assert answer.to == ["ana@site.example"]
    assert "The blog is not a mirror; lifted." in answer.body
    assert review.order.reference in answer.body


def test_the_answer_about_a_confidential_order_is_recorded_and_not_sent_to_the_requester(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    review = open_review(authority, "pirate.example", confidential=True, reference="SECRET-7")

    with django_capture_on_commit_callbacks(execute=True):
        unblock.review_answer(
            actor=as_actor(authority),
            review=review,
            decision="dismissed",
            answer="The site streams the league's matches.",
        )

    assert "pirate.example" in {e.value for e in blocklist_entries(coparty)}
    review.refresh_from_db()
    assert (review.status, review.answer) == ("dismissed", "The site streams the league's matches.")
    assert mailoutbox == []


def test_the_issuer_of_a_confidential_order_is_told_its_answer_is_not_sent(
    client, authority, coparty
):
    review = open_review(authority, "pirate.example", confidential=True)
    client.force_login(UserFactory(organization=authority, role="analyst"))

    body = page(client.get(f"/orders/unblock-requests/{review.pk}/"))
    short = page(
        client.post(
            f"/orders/unblock-requests/{review.pk}/", {"decision": "dismissed", "answer": "No."}
        )
    )

    assert "the requester is not told your decision or your answer" in body
    assert "Record the answer" in body and "Send the answer" not in body
    assert "E-mailed to the requester" not in body
    assert "they stay on record" in short


def test_the_answer_about_a_public_order_names_the_authority_and_the_outcome(
    client, authority, coparty, django_capture_on_commit_callbacks, mailoutbox
):
    review = open_review(authority, "pirate.example", reference="PUB-7")

    with django_capture_on_commit_callbacks(execute=True):
        unblock.review_answer(
            actor=as_actor(authority),
            review=review,
            decision="dismissed",
            answer="The site streams the league's matches.",
        )

    (answer,) = mailoutbox
    assert "dismissed" in answer.subject
    assert authority.name in answer.body and "PUB-7" in answer.body


def test_the_portal_list_shows_open_requests_first_and_flags_the_overdue(
    client, authority, coparty
):
    answered = open_review(authority, "pirate.example", reference="A")
    unblock.review_answer(
        actor=as_actor(authority), review=answered, decision="dismissed", answer="Stays blocked."
    )
    late = open_review(authority, "late.example", targets=(("domain", "late.example"),))
    UnblockReview.objects.filter(pk=late.pk).update(answer_due=timezone.now() - timedelta(days=2))
    fresh = open_review(authority, "fresh.example", targets=(("domain", "fresh.example"),))
    client.force_login(UserFactory(organization=authority, role="viewer"))

    body = page(client.get("/orders/unblock-requests/"))

    positions = [body.index(f"/orders/unblock-requests/{r.pk}/") for r in (late, fresh, answered)]
    assert positions == sorted(positions)
    assert "overdue" in body
    assert "in 6" in body  # days, for the fresh one


def test_another_organisation_gets_404_in_the_portal(client, authority, coparty, outsider):
    review = open_review(authority)
    for org in (coparty, outsider):
        client.force_login(UserFactory(organization=org, role="admin"))
        assert client.get(f"/orders/unblock-requests/{review.pk}/").status_code == 404
        response = client.post(
            f"/orders/unblock-requests/{review.pk}/",
            {"decision": "upheld", "answer": "Let me lift someone else's order."},
        )
        assert response.status_code == 404
        assert f"/orders/unblock-requests/{review.pk}/" not in page(
            client.get("/orders/unblock-requests/")
        )
    review.refresh_from_db()
    assert review.status == "open"


def test_a_viewer_of_the_issuer_reads_but_cannot_answer(client, authority, coparty):
    review = open_review(authority)
    client.force_login(UserFactory(organization=authority, role="viewer"))

    assert "Send the answer" not in page(client.get(f"/orders/unblock-requests/{review.pk}/"))
    response = client.post(
        f"/orders/unblock-requests/{review.pk}/",
        {"decision": "upheld", "answer": "A viewer should not answer."},
    )

    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "open"


def test_the_portal_says_so_when_a_request_was_already_answered(client, authority, coparty):
    review = open_review(authority)
    unblock.review_answer(
        actor=as_actor(authority), review=review, decision="dismissed", answer="Stays blocked."
    )
    client.force_login(UserFactory(organization=authority, role="analyst"))

    response = client.post(
        f"/orders/unblock-requests/{review.pk}/",
        {"decision": "upheld", "answer": "Changed my mind after all."},
        follow=True,
    )

    assert "already answered" in page(response)
    review.refresh_from_db()
    assert review.status == "dismissed"


def test_the_unblock_pages_need_sign_in(client):
    response = client.get("/orders/unblock-requests/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the issuer's answer: API ----------------------------------------------------------------


def test_the_issuer_lists_and_reads_its_reviews_through_the_api(
    authority, coparty, django_assert_num_queries
):
    reviews = [
        open_review(authority, f"s{i}.example", targets=((("domain", f"s{i}.example"),)))
        for i in range(3)
    ]
    api = api_client_for(authority)

    with django_assert_num_queries(3):  # the key, its last use, the page (no N+1)
        listed = api.get(API)
    detail = api.get(f"{API}{reviews[0].pk}/")

    assert listed.status_code == 200, listed.json()
    assert sorted(r["id"] for r in listed.json()["results"]) == sorted(r.pk for r in reviews)
    assert listed.json()["results"][0]["entries"] is None
    assert detail.json()["value"] == "s0.example"
    assert [(e["kind"], e["value"]) for e in detail.json()["entries"]] == [("domain", "s0.example")]


def test_the_issuer_upholds_through_the_api(authority, coparty):
    review = open_review(authority, "https://www.pirate.example/recipes")

    response = api_client_for(authority).post(
        f"{API}{review.pk}/answer/",
        {"decision": "upheld", "answer": "Not a pirate site."},
        format="json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "upheld"
    assert response.json()["entries"][0]["lifted_at"] is not None
    assert {e.value for e in blocklist_entries(coparty)} == {"other-mirror.example"}


@pytest.mark.parametrize("who", ["coparty", "outsider"])
def test_another_organisation_gets_404_on_the_api(request, authority, coparty, outsider, who):
    review = open_review(authority)
    api = api_client_for(request.getfixturevalue(who))

    assert api.get(API).json()["results"] == []
    assert api.get(f"{API}{review.pk}/").status_code == 404
    response = api.post(
        f"{API}{review.pk}/answer/",
        {"decision": "upheld", "answer": "Not mine to answer."},
        format="json",
    )
    assert response.status_code == 404
    assert response.json()["status"] == 404
    assert api_client_for(authority).get(f"{API}{review.pk + 1000}/").status_code == 404


def test_answering_twice_is_a_409_and_a_retry_with_the_same_key_is_not(authority, coparty):
    review = open_review(authority)
    api = api_client_for(authority)
    body = {"decision": "dismissed", "answer": "The block stays."}

    first = api.post(f"{API}{review.pk}/answer/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    retried = api.post(f"{API}{review.pk}/answer/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    second = api.post(
        f"{API}{review.pk}/answer/",
        {"decision": "upheld", "answer": "Changed my mind."},
        format="json",
    )

    assert first.status_code == 200
    assert retried.status_code == 200
    assert retried["Idempotent-Replayed"] == "true"
    assert second.status_code == 409
    assert second["Content-Type"] == "application/problem+json"
    assert "already answered" in second.json()["detail"]


def test_answering_needs_the_write_scope(authority, coparty):
    review = open_review(authority)
    api = api_client_for(authority, scopes=("read",))

    response = api.post(
        f"{API}{review.pk}/answer/",
        {"decision": "dismissed", "answer": "The block stays."},
        format="json",
    )

    assert response.status_code == 403
    assert api.get(f"{API}{review.pk}/").status_code == 200


def test_an_answer_needs_a_decision_and_a_reason(authority, coparty):
    review = open_review(authority)

    response = api_client_for(authority).post(
        f"{API}{review.pk}/answer/", {"decision": "maybe", "answer": ""}, format="json"
    )

    assert response.status_code == 400
    assert {e["pointer"] for e in response.json()["errors"]} == {"/decision", "/answer"}


# --- the service -----------------------------------------------------------------------------


def test_only_the_issuer_may_answer(authority, coparty):
    review = open_review(authority)

    with pytest.raises(PermissionDenied):
        unblock.review_answer(
            actor=as_actor(coparty), review=review, decision="upheld", answer="Not my order."
        )


def test_upholding_after_the_order_ended_records_the_decision_and_lifts_nothing(authority, coparty):
    review = open_review(authority)
    BlockingOrder.objects.filter(pk=review.order_id).update(ends_at=timezone.now())

    review = unblock.review_answer(
        actor=as_actor(authority), review=review, decision="upheld", answer="It ended anyway."
    )

    assert review.status == "upheld"
    assert not OrderTarget.objects.filter(lifted_at__isnull=False).exists()


# --- figures ---------------------------------------------------------------------------------


def test_the_figures_count_unblock_requests_received_before_this_month(authority, coparty):
    answered = open_review(authority, "a.pirate.example", reference="A")
    unblock.review_answer(
        actor=as_actor(authority), review=answered, decision="upheld", answer="Lifted, sorry."
    )
    open_review(authority, "b.pirate.example", reference="B")
    this_month = open_review(authority, "c.pirate.example", reference="C")
    now = timezone.now()
    last_month = transparency.unblock_cutoff(now) - timedelta(days=3)
    UnblockRequest.objects.exclude(pk=this_month.request_id).update(created_at=last_month)

    figures = transparency.figures(at=now).unblock

    assert figures.received_before == datetime(now.year, now.month, 1, tzinfo=UTC)
    assert (figures.requests, figures.appealed_orders) == (2, 2)
    assert (figures.upheld, figures.dismissed, figures.open) == (1, 0, 1)


def test_appeals_of_a_confidential_order_never_move_the_public_counts(authority, coparty):
    # Anyone may file a request: were its review counted, filing one about a name and
    # watching the figures would tell whether a confidential order covers that name.
    open_review(authority, "hidden.pirate.example", reference="SECRET", confidential=True)
    public = open_review(authority, "seen.pirate.example", reference="PUBLIC")
    now = timezone.now()
    UnblockRequest.objects.update(created_at=transparency.unblock_cutoff(now) - timedelta(days=3))

    figures = transparency.figures(at=now).unblock

    assert figures.requests == 2  # requests are counted whatever they matched
    assert (figures.appealed_orders, figures.open) == (1, 1)
    assert UnblockReview.objects.get(order__reference="PUBLIC") == public
