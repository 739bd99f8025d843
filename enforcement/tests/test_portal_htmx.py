"""The blocking-order pages with htmx: a filter or the pager swaps only the results, an issuer's
step updates the page in place, and without htmx every page and form works as before.

htmx's requests are told apart by their headers: `HX-Request: true`, and `HX-Target` naming the
id of the element to swap (none when it swaps <main>, which has no id). The actors: an authority
(a regulator in PE) that issues, the co-party (a PE telco it addresses) and an outsider (a BR
telco, which sees nothing of a PE order)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members.models import Organization
from members.tests.factories import UserFactory

from ..models import BlockingOrder
from .factories import order_by

pytestmark = pytest.mark.django_db

LIST = reverse("enforcement:list")
REGISTER = reverse("transparency:register")


def signed_in(client, org: Organization, role: str = "analyst"):
    client.force_login(UserFactory(organization=org, role=role))
    return client


def htmx(target: str | None = None, **headers) -> dict:
    """The headers htmx sends: HX-Target only when the element it swaps has an id."""
    sent = {"HTTP_HX_REQUEST": "true", **headers}
    if target:
        sent["HTTP_HX_TARGET"] = target
    return sent


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def varies_on_htmx(response) -> bool:
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
    return {"hx-request", "hx-target"} <= vary


# --- the list's filters ---------------------------------------------------------------------


def test_the_order_filters_ask_htmx_to_swap_only_the_results_and_push_the_address(
    client, authority, coparty
):
    order_by(authority, reference="OURS-1")

    content = text(signed_in(client, authority).get(LIST))

    assert 'hx-get="/orders/"' in content and 'hx-target="#order-results"' in content
    assert 'hx-select="#order-results"' in content and 'hx-push-url="true"' in content
    assert '<div id="order-results">' in content and "OURS-1" in content


def test_a_changed_order_filter_gets_only_the_matching_results_from_htmx(
    client, authority, coparty
):
    order_by(authority, reference="OURS-1")
    lifted = order_by(authority, reference="OURS-2")
    signed_in(client, authority).post(
        reverse("enforcement:lift", args=[lifted.pk]), {"whole": "on", "confirm": "yes"}
    )

    response = client.get(LIST, {"status": "lifted"}, **htmx("order-results"))
    part = text(response)

    assert part.lstrip().startswith('<div id="order-results">')
    assert "<main " not in part and '<form method="get"' not in part
    assert "OURS-2" in part and "OURS-1" not in part and "1 order matches." in part
    assert varies_on_htmx(response)


def test_without_htmx_a_filtered_order_list_is_the_whole_page(client, authority, coparty):
    order_by(authority, reference="OURS-1")

    response = signed_in(client, authority).get(LIST, {"role": "issued"})
    content = text(response)

    assert "<main " in content and 'aria-label="Filter orders"' in content and "OURS-1" in content
    assert varies_on_htmx(response)


def test_a_history_restore_or_an_answer_swapping_main_gets_the_whole_order_list(
    client, authority, coparty
):
    order_by(authority, reference="OURS-1")
    signed_in(client, coparty)

    restored = text(client.get(LIST, **htmx(HTTP_HX_HISTORY_RESTORE_REQUEST="true")))
    answered = text(client.get(LIST, **htmx()))

    assert "<main " in restored and "OURS-1" in restored
    assert "<main " in answered and "OURS-1" in answered


def test_the_outsider_gets_no_order_of_others_in_the_htmx_results(
    client, authority, coparty, outsider
):
    order_by(authority, reference="OURS-1")

    part = text(signed_in(client, outsider).get(LIST, **htmx("order-results")))

    assert "OURS-1" not in part and "0 orders." in part


def test_the_pager_swaps_only_the_order_results(client, authority, coparty, monkeypatch):
    monkeypatch.setattr("enforcement.views.PAGE_SIZE", 1)
    order_by(authority, reference="OURS-1")
    order_by(authority, reference="OURS-2")
    signed_in(client, authority)

    first = text(client.get(LIST, {"role": "issued"}))
    second = text(client.get(LIST, {"role": "issued", "page": 2}, **htmx("order-results")))

    # Deadlines first: OURS-1, issued first, is due first.
    assert 'hx-boost="true" hx-target="#order-results"' in first and "OURS-1" in first
    assert "<main " not in second and "OURS-2" in second and "OURS-1" not in second
    assert 'href="?role=issued&page=1"' in second


@pytest.mark.parametrize("who", ["authority", "coparty"])
def test_the_order_results_take_as_many_queries_for_10_orders_as_for_1(
    client, authority, coparty, who
):
    signed_in(client, authority if who == "authority" else coparty)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            text(client.get(LIST, **htmx("order-results")))
        return len(ctx.captured_queries)

    order_by(authority)
    with_1 = queries()
    for _ in range(9):
        order_by(authority, targets=[("domain", "a.example"), ("ipv4", "198.51.100.7")])
    assert queries() == with_1
    assert BlockingOrder.objects.count() == 10


# --- the transparency register's filters (public: nobody signs in) --------------------------


def test_the_register_filters_ask_htmx_to_swap_only_the_entries_and_push_the_address(
    client, authority, coparty
):
    order_by(authority, targets=(("domain", "futbol-libre.example"),))

    content = text(client.get(REGISTER))

    assert 'hx-get="/transparency/"' in content and 'hx-target="#register-results"' in content
    assert 'hx-select="#register-results"' in content and 'hx-push-url="true"' in content
    assert '<div id="register-results">' in content and "futbol-libre.example" in content


def test_a_changed_register_filter_gets_only_the_matching_entries_from_htmx(
    client, authority, coparty
):
    order_by(authority, targets=(("domain", "only-a-name.example"), ("cidr", "192.0.2.0/24")))

    response = client.get(REGISTER, {"kind": "cidr"}, **htmx("register-results"))
    part = text(response)

    assert part.lstrip().startswith('<div id="register-results">') and "<main " not in part
    assert "192.0.2.0/24" in part and "only-a-name.example" not in part
    assert 'href="/transparency/register.csv?kind=cidr"' in part
    assert varies_on_htmx(response)


def test_without_htmx_a_filtered_register_is_the_whole_page(client, authority, coparty):
    order_by(authority, targets=(("domain", "only-a-name.example"), ("cidr", "192.0.2.0/24")))

    response = client.get(REGISTER, {"kind": "cidr"})
    content = text(response)

    assert "<main " in content and 'aria-label="Filter the register"' in content
    assert "192.0.2.0/24" in content and "only-a-name.example" not in content
    assert varies_on_htmx(response)


def test_the_htmx_entries_never_show_a_confidential_order(client, authority, coparty):
    order_by(authority, targets=(("domain", "public-pirate.example"),), reference="PUB-1")
    order_by(
        authority,
        targets=(("domain", "secret-pirate.example"),),
        reference="SECRET-1",
        confidential=True,
    )

    part = text(client.get(REGISTER, {"show": "all"}, **htmx("register-results")))

    assert "public-pirate.example" in part
    assert "secret-pirate.example" not in part and "SECRET-1" not in part


def test_the_register_pager_swaps_only_the_entries_in_two_queries(
    client, authority, coparty, django_assert_num_queries
):
    order_by(authority, targets=[("domain", f"mirror{i:03d}.example") for i in range(150)])

    with django_assert_num_queries(2):  # the count, and the page with its orders and issuers
        second = text(client.get(REGISTER, {"page": 2}, **htmx("register-results")))

    assert "<main " not in second and second.count("<tr>") - 1 == 50
    assert 'hx-boost="true" hx-target="#register-results"' in second and "Page 2 of 2" in second


# --- the issuer's steps on the detail page ---------------------------------------------------


def step(name: str, order: BlockingOrder) -> str:
    return reverse(f"enforcement:{name}", args=[order.pk])


def test_every_issuer_step_on_the_detail_page_posts_with_htmx_and_swaps_main(
    client, authority, coparty, settings
):
    settings.BLOCKING_ORDER_GRACE_SECONDS = 60
    pending = order_by(authority)
    settings.BLOCKING_ORDER_GRACE_SECONDS = 0
    in_force = order_by(authority)
    signed_in(client, authority)

    before_isps = text(client.get(reverse("enforcement:detail", args=[pending.pk])))
    told = text(client.get(reverse("enforcement:detail", args=[in_force.pk])))

    for name in ("amend", "renew", "withdraw"):
        assert f'hx-post="{step(name, pending)}" hx-target="main" hx-select="main"' in before_isps
    for name in ("amend", "renew"):
        assert f'hx-post="{step(name, in_force)}" hx-target="main" hx-select="main"' in told
    # Ticked targets, and the whole order.
    assert told.count(f'hx-post="{step("lift", in_force)}" hx-target="main"') == 2
    assert f'action="{step("lift", in_force)}"' in told  # without htmx, the same forms post


def test_an_issuer_lifts_a_target_with_htmx_and_gets_the_page_with_its_message(
    client, authority, coparty
):
    order = order_by(authority, targets=[("domain", "a.example"), ("domain", "b.example")])
    a = order.targets.get(value="a.example")
    signed_in(client, authority)

    answer = client.post(step("lift", order), {"targets": [a.pk]}, follow=True, **htmx())
    content = text(answer)

    assert answer.redirect_chain == [(reverse("enforcement:detail", args=[order.pk]), 302)]
    assert "<main " in content and "1 target(s) lifted from order" in content
    assert "Targets in force (1)" in content and "Lifted targets (1)" in content
    a.refresh_from_db()
    assert a.lifted_at is not None


def test_a_field_error_of_an_issuer_step_comes_back_in_place_with_htmx(client, authority, coparty):
    order = order_by(authority)
    ends_at = order.ends_at
    signed_in(client, authority)

    renewal = text(client.post(step("renew", order), {"renew-valid_until": "soon"}, **htmx()))
    nothing_ticked = text(client.post(step("lift", order), {}, **htmx()))
    protected = text(client.post(step("amend", order), {"amend-targets": "104.16.1.1"}, **htmx()))

    assert "<main " in renewal and "Enter a valid date/time." in renewal
    assert "Tick the targets to lift, or lift the whole order." in nothing_ticked
    assert "covered by protected network" in protected
    assert 'hx-post="' + step("renew", order) + '"' in renewal  # the form, ready again
    order.refresh_from_db()
    assert order.ends_at == ends_at and order.lifted_at is None
    assert order.targets.count() == 1


def test_a_step_the_state_no_longer_allows_shows_its_reason_in_place_with_htmx(
    client, authority, coparty
):
    order = order_by(authority)
    signed_in(client, authority)

    late = client.post(step("withdraw", order), follow=True, **htmx())

    assert "The ISPs have been told of this order: lift it instead." in text(late)
    assert BlockingOrder.objects.get(pk=order.pk).withdrawn_at is None


def test_an_issuer_withdraws_and_renews_with_htmx_in_the_grace_window(
    client, authority, coparty, settings
):
    settings.BLOCKING_ORDER_GRACE_SECONDS = 60
    order = order_by(authority)
    signed_in(client, authority)

    new_end = timezone.localtime(timezone.now() + timedelta(days=800))
    renewal = {"renew-valid_until": new_end.strftime("%Y-%m-%dT%H:%M"), "renew-note": "Season 2028"}

    renewed = text(client.post(step("renew", order), renewal, follow=True, **htmx()))
    withdrawn = text(client.post(step("withdraw", order), follow=True, **htmx()))

    assert "Season 2028" in renewed and "Renewed until" in renewed
    assert f"Order {order.reference} withdrawn." in withdrawn
    assert BlockingOrder.objects.get(pk=order.pk).status == BlockingOrder.Status.WITHDRAWN


def test_without_htmx_the_issuers_steps_still_redirect_to_the_order(client, authority, coparty):
    order = order_by(authority, targets=[("domain", "a.example"), ("domain", "b.example")])
    a = order.targets.get(value="a.example")
    signed_in(client, authority)
    detail = reverse("enforcement:detail", args=[order.pk])

    lifted = client.post(step("lift", order), {"targets": [a.pk]})
    new_end = timezone.localtime(timezone.now() + timedelta(days=800))
    renewed = client.post(
        step("renew", order), {"renew-valid_until": new_end.strftime("%Y-%m-%dT%H:%M")}
    )
    whole = client.post(step("lift", order), {"whole": "on", "confirm": "yes"})

    assert [r.status_code for r in (lifted, renewed, whole)] == [302, 302, 302]
    assert lifted.url == renewed.url == whole.url == detail
    assert BlockingOrder.objects.get(pk=order.pk).status == BlockingOrder.Status.LIFTED


def test_the_outsider_gets_404_on_every_step_with_htmx(client, authority, coparty, outsider):
    order = order_by(authority)
    signed_in(client, outsider)

    for name in ("acknowledge", "confirm", "reject", "amend", "lift", "renew", "withdraw"):
        response = client.post(step(name, order), {"whole": "on"}, **htmx())
        assert response.status_code == 404, name
    assert BlockingOrder.objects.get(pk=order.pk).lifted_at is None


def test_the_addressed_isp_still_gets_403_for_an_issuers_step_with_htmx(client, authority, coparty):
    order = order_by(authority)
    signed_in(client, coparty)

    response = client.post(step("lift", order), {"whole": "on"}, **htmx())

    assert response.status_code == 403
    assert BlockingOrder.objects.get(pk=order.pk).lifted_at is None


def test_an_isps_rejection_without_a_detail_shows_the_error_in_place_with_htmx(
    client, authority, coparty
):
    order = order_by(authority)
    signed_in(client, coparty)

    vague = text(
        client.post(
            step("reject", order), {"reject-reason": "other", "reject-detail": ""}, **htmx()
        )
    )

    assert "<main " in vague and "Say why, when the reason is 'other'." in vague
    assert order.compliance.get().state == "notified"
