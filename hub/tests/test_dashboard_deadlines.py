"""What waits on the reader comes first (issue 14, items 4, 5 and 10): an ISP's orders due within
two hours and not implemented are a banner above everything else on its dashboard; an issuer's
unblock requests are in the menu with their count and on the dashboard with their 7-day clock;
the agreements proposed to an organisation that it has not signed are a card of their own.

The actors: the authority issues orders to the co-party (an ISP); the owner proposes agreements;
the outsider (another ISP) is addressed by nothing and party to nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from enforcement import services as order_services
from enforcement import unblock
from enforcement.models import BlockingOrder, UnblockReview
from enforcement.tests.factories import as_actor, order_by
from members import services as member_services
from members.services import Actor
from members.tests.factories import UserFactory
from reports.tests.factories import agreement_between

pytestmark = pytest.mark.django_db


def dashboard(client, org, **person) -> str:
    client.force_login(UserFactory(organization=org, **person))
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def main_of(html: str) -> str:
    return re.split(r"<main[ >]", html, maxsplit=1)[1].split("</main>")[0]


def first_element(html: str) -> str:
    """The opening tag of the first element of the page's content (inside <main>)."""
    return re.search(r"<(?!/)[^>]+>", main_of(html).split(">", 1)[1]).group(0)


def banner(html: str) -> str:
    found = re.search(r'<section class="due-banner".*?</section>', html, re.S)
    return found.group(0) if found else ""


def section(html: str, heading_id: str) -> str:
    parts = html.split(f'id="{heading_id}"')
    return parts[1].split("</section>")[0] if len(parts) > 1 else ""


def overdue(order: BlockingOrder, minutes: int) -> None:
    BlockingOrder.objects.filter(pk=order.pk).update(
        deadline=timezone.now() - timedelta(minutes=minutes)
    )


# ---------------------------------------------------------------------------- the banner


def test_an_order_due_in_29_minutes_is_the_first_thing_on_the_isps_dashboard(
    client, authority, coparty
):
    order = order_by(
        authority,
        reference="APIN-BLQ-0042",
        deadline=timezone.now() + timedelta(minutes=29, seconds=30),
    )

    html = dashboard(client, coparty)

    assert first_element(html) == '<section class="due-banner" id="due-soon" aria-label="Due soon">'
    shown = banner(html)
    assert f'href="/orders/{order.pk}/">APIN-BLQ-0042</a>' in shown
    assert re.search(
        r'<time class="countdown" datetime="[^"]+" data-deadline="[^"]+">29 min left', shown
    )
    assert "Resolución 123-2026/CDA, art. 5" in shown and "from Authority" in shown
    assert "1 blocking order still to implement" in shown
    # The clocks' words come with the page, for site.js to keep them ticking.
    assert 'id="countdown-words" type="application/json"' in html


def test_an_implemented_order_is_not_in_the_banner(client, authority, coparty):
    order = order_by(authority, reference="APIN-BLQ-0042")
    order_services.compliance_confirm(actor=as_actor(coparty), order=order)

    html = dashboard(client, coparty)

    assert banner(html) == ""
    assert first_element(html).startswith("<h1")


def test_an_order_due_later_waits_in_its_card_not_in_the_banner(client, authority, coparty):
    order_by(authority, reference="LATER", deadline=timezone.now() + timedelta(hours=3))

    html = dashboard(client, coparty)

    assert "LATER" not in banner(html)
    assert "LATER" in section(html, "dash-orders")


def test_an_overdue_order_is_in_the_banner_in_red_first(client, authority, coparty):
    order_by(authority, reference="SOON", deadline=timezone.now() + timedelta(minutes=50))
    late = order_by(authority, reference="LATE")
    overdue(late, 10)

    shown = banner(dashboard(client, coparty))

    assert shown.index("LATE") < shown.index("SOON")
    assert re.search(r'<time class="countdown overdue"[^>]*>overdue by 10 min', shown)
    assert "2 blocking orders still to implement" in shown


def test_the_outsider_and_the_issuer_see_no_banner(client, authority, coparty, outsider):
    order_by(authority, reference="APIN-BLQ-0042")

    outsiders = dashboard(client, outsider)
    issuers = dashboard(client, authority)

    assert banner(outsiders) == "" and "APIN-BLQ-0042" not in outsiders
    # The issuer waits on the ISPs: its order is in its card, the banner is the ISP's.
    assert banner(issuers) == "" and "APIN-BLQ-0042" in section(issuers, "dash-orders")


def test_the_orders_card_comes_first_soonest_deadline_first(client, authority, coparty):
    order_by(authority, reference="LATER", deadline=timezone.now() + timedelta(hours=5))
    order_by(authority, reference="SOONER", deadline=timezone.now() + timedelta(hours=3))

    grid = dashboard(client, coparty).split('<div class="dash-grid">')[1]

    assert re.findall(r'<h2 id="(dash-[\w-]+)"', grid)[0] == "dash-orders"
    orders = section(grid, "dash-orders")
    assert orders.index("SOONER") < orders.index("LATER")


# ---------------------------------------------------------------------------- the unblock queue


def ask(value: str = "pirate-streams.example") -> None:
    unblock.request_submit(
        data=unblock.UnblockInput(
            name="Ana Site-Owner",
            email="ana@site.example",
            value=value,
            message="This is my cooking blog; it has nothing to do with football.",
        )
    )


def test_the_regulator_sees_its_open_unblock_requests_counted_in_the_menu(
    client, authority, coparty
):
    order_by(authority, reference="APIN-BLQ-0042")
    client.force_login(UserFactory(organization=authority))
    assert 'id="nav-unblock"' not in client.get("/reports/").content.decode()

    ask()
    ask("www.pirate-streams.example")

    html = client.get("/reports/").content.decode()
    link = re.search(r'<a href="/orders/unblock-requests/" id="nav-unblock"[^>]*>.*?</a>', html)
    assert link, "no link to the unblock requests in the menu"
    assert '<span class="tag" aria-hidden="true">2</span>' in link.group(0)
    assert "(2 open)" in link.group(0)
    # The dashboard reuses its own count for the menu.
    assert '<span class="tag" aria-hidden="true">2</span>' in dashboard(client, authority)


def test_an_answered_queue_keeps_its_link_without_a_count(client, authority, coparty):
    order_by(authority, reference="APIN-BLQ-0042")
    ask()
    review = UnblockReview.objects.get()
    unblock.review_answer(
        actor=Actor(user=UserFactory(organization=authority)),
        review=review,
        decision="dismissed",
        answer="The site streams the league's matches.",
    )
    client.force_login(UserFactory(organization=authority))

    html = client.get("/reports/").content.decode()

    link = re.search(r'<a href="/orders/unblock-requests/" id="nav-unblock"[^>]*>.*?</a>', html)
    assert link and "open)" not in link.group(0)


def test_an_isp_and_the_outsider_have_no_unblock_queue(client, authority, coparty, outsider):
    order_by(authority, reference="APIN-BLQ-0042")
    ask()

    for org in (coparty, outsider):
        html = dashboard(client, org)
        assert 'id="nav-unblock"' not in html and 'id="dash-unblock"' not in html


def test_the_dashboard_shows_each_open_request_with_its_seven_day_clock(client, authority, coparty):
    order_by(authority, reference="APIN-BLQ-0042")
    ask()
    ask("www.pirate-streams.example")
    late = UnblockReview.objects.get(request__value="www.pirate-streams.example")
    UnblockReview.objects.filter(pk=late.pk).update(answer_due=timezone.now() - timedelta(hours=3))

    card = section(dashboard(client, authority), "dash-unblock")

    assert "<strong>2</strong> open requests" in card
    assert re.search(r'<time class="countdown"[^>]*>6 days left</time>', card)
    assert re.search(r'<time class="countdown overdue"[^>]*>overdue by 3 h</time>', card)
    # The most overdue first, each opening its request.
    assert card.index("www.pirate-streams.example") < card.index(">pirate-streams.example")
    assert f'href="/orders/unblock-requests/{late.pk}/"' in card
    assert "order APIN-BLQ-0042" in card


def test_an_issuer_with_no_request_is_told_so(client, authority):
    card = section(dashboard(client, authority), "dash-unblock")
    assert "No unblock request waits for your answer." in card


# ---------------------------------------------------------------------------- signatures


def propose(by, *others, title="Live sports, Peru"):
    admin = UserFactory(organization=by, role="admin")
    return member_services.agreement_propose(
        actor=Actor(user=admin),
        title=title,
        parties=list(others),
        categories=[],
        jurisdictions=["PE"],
        max_tlp=2,
    )


def test_an_agreement_proposed_to_the_isp_awaits_its_signature(client, owner, coparty):
    agreement = propose(owner, coparty)

    card = section(dashboard(client, coparty), "dash-signature")

    assert f'href="/members/agreements/{agreement.pk}/">Live sports, Peru</a>' in card
    assert "proposed by Owner" in card
    assert "only an admin of Coparty can sign" in card
    admin_card = section(dashboard(client, coparty, role="admin"), "dash-signature")
    assert "open it to read its terms and sign" in admin_card


def test_no_signature_card_once_signed_nor_for_the_proposer_nor_a_non_party(
    client, owner, coparty, outsider
):
    agreement = propose(owner, coparty)

    # The proposer signed by proposing; the outsider is no party.
    assert 'id="dash-signature"' not in dashboard(client, owner)
    outsiders = dashboard(client, outsider)
    assert 'id="dash-signature"' not in outsiders and "Live sports, Peru" not in outsiders

    member_services.agreement_sign(actor=as_actor(coparty), agreement=agreement)
    assert 'id="dash-signature"' not in dashboard(client, coparty)


def test_an_agreement_no_longer_proposed_awaits_no_signature(client, owner, coparty, outsider):
    agreement_between(owner, coparty)  # signed by both
    propose(owner, coparty, outsider)
    member_services.agreement_terminate(
        actor=Actor.system(), agreement=propose(owner, coparty, title="Withdrawn")
    )

    card = section(dashboard(client, coparty), "dash-signature")

    assert "Live sports, Peru" in card and "with Outsider" in card
    assert "Withdrawn" not in card and "owner &amp; coparty" not in card
