"""The blocking-order pages of the portal: the list, composing (check, then issue), the detail
with the issuer's and the ISP's steps, and the ISP's feeds page.

The actors: an authority (a regulator in PE) that issues, the co-party (a PE telco, addressed
by default), the owner (a PE rightsholder, which may not issue) and an outsider (a BR telco,
which sees nothing of a PE order)."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import api_client_for
from members.models import Organization, User
from members.tests.factories import UserFactory
from reports import dedup
from reports.tests.factories import agreement_between, report_by

from ..forms import detect_kind
from ..models import BlockingOrder, Compliance, OrderTarget
from ..views import countdown_text
from .factories import order_by

pytestmark = pytest.mark.django_db

NEW = reverse("enforcement:new")
LIST = reverse("enforcement:list")
FEEDS = reverse("enforcement:feeds")


# --- helpers ---------------------------------------------------------------------------------


def signed_in(client, org: Organization, role: str = "analyst"):
    client.force_login(UserFactory(organization=org, role=role))
    return client


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def composition(isps: list[Organization], **overrides) -> dict:
    """A POST of the compose form, as the page sends it."""
    data = {
        "reference": "INDECOPI-2026-0042",
        "legal_basis": "Resolución 0042-2026/CDA-INDECOPI",
        "targets": "Futbol-Libre.example\n198.51.100.7\nhttps://restream.example/live?utm_source=x",
        "q": "",
        "reports": "",
        "isps": [str(o.pk) for o in isps],
        "deadline": "30",
        "deadline_at": "",
        "valid_until": "",
        "justification": "",
        "action": "issue",
    }
    data.update(overrides)
    return data


def textarea(content: str, name: str = "targets") -> str:
    match = re.search(rf'<textarea name="{name}"[^>]*>(.*?)</textarea>', content, re.S)
    assert match, f"no {name} text box"
    return match.group(1)


# --- compose ---------------------------------------------------------------------------------


def test_the_check_step_shows_a_protected_list_refusal_and_warnings_and_stores_nothing(
    client, authority, coparty
):
    signed_in(client, authority)
    typed = "pirate-streams.example\n104.16.1.1\n198.51.100.7"

    content = page(
        client.post(NEW, composition([coparty], targets=typed, action="check", reference="R-1"))
    )

    assert "Nothing was stored" in content
    assert "1 refused by the protected list" in content
    assert "Refused: covered by protected network 104.16.0.0/13 (Cloudflare)" in content
    assert "an IP address may be shared by unrelated sites" in content  # 198.51.100.7
    assert textarea(content).strip() == typed  # kept as typed
    assert 'value="R-1"' in content
    assert not BlockingOrder.objects.exists()
    assert not OrderTarget.objects.exists()


def test_issuing_creates_the_order_and_redirects_to_its_page(client, authority, coparty):
    signed_in(client, authority)

    response = client.post(NEW, composition([coparty]))

    order = BlockingOrder.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("enforcement:detail", args=[order.pk])
    assert order.reference == "INDECOPI-2026-0042"
    assert sorted(order.targets.values_list("kind", "value")) == [
        ("domain", "futbol-libre.example"),
        ("ipv4", "198.51.100.7"),
        ("url", "https://restream.example/live"),
    ]
    assert [c.isp for c in order.compliance.all()] == [coparty]
    assert timedelta(minutes=29) < order.deadline - timezone.now() <= timedelta(minutes=30)
    detail = page(client.get(response.url))
    assert "issued to 1 ISP" in detail
    assert "Order INDECOPI-2026-0042" in detail


def test_a_bad_line_is_named_and_the_other_lines_are_kept(client, authority, coparty):
    signed_in(client, authority)
    typed = "good.example\nnot a name\n198.51.100.7"

    for action in ("check", "issue"):
        content = page(client.post(NEW, composition([coparty], targets=typed, action=action)))

        assert "Line 2 (not a name): not a valid domain name" in content
        assert textarea(content).strip() == typed
    assert not BlockingOrder.objects.exists()


def test_a_protected_target_is_refused_on_its_line_until_overridden_with_a_justification(
    client, authority, coparty
):
    signed_in(client, authority)
    typed = "mirror.example\n\n104.16.1.1"

    refused = page(client.post(NEW, composition([coparty], targets=typed)))
    too_short = page(
        client.post(NEW, composition([coparty], targets=typed, override_protected="on"))
    )
    accepted = client.post(
        NEW,
        composition(
            [coparty],
            targets=typed,
            override_protected="on",
            justification="The operator's own dedicated address, confirmed by the host.",
        ),
    )

    assert "Line 3 (104.16.1.1): covered by protected network 104.16.0.0/13" in refused
    assert textarea(refused).strip() == typed
    assert "justification of at least 20 characters" in too_short
    assert accepted.status_code == 302
    target = OrderTarget.objects.get(value="104.16.1.1")
    assert "104.16.0.0/13" in target.protected_match


def test_a_refusal_names_the_right_line_when_a_value_is_typed_twice(client, authority, coparty):
    signed_in(client, authority)
    typed = "mirror.example\nMIRROR.example\n104.16.1.1\n104.16.1.1"

    content = page(client.post(NEW, composition([coparty], targets=typed)))

    # The service numbers its errors in the de-duplicated list; the page names the lines.
    assert "Lines 3, 4 (104.16.1.1): covered by protected network 104.16.0.0/13" in content


def test_the_service_names_every_missing_piece_at_once_next_to_its_field(
    client, authority, coparty
):
    signed_in(client, authority)

    content = page(
        client.post(NEW, composition([coparty], reference="", legal_basis="", reports="999999"))
    )

    assert "A reference is required." in content
    assert "Name the legal basis of the order." in content
    assert "Unknown reports: 999999." in content
    assert "futbol-libre.example" in textarea(content).lower()
    assert not BlockingOrder.objects.exists()


def test_a_custom_deadline_is_read_in_the_active_time_zone(client, authority, coparty, settings):
    settings.TIME_ZONE = "America/Lima"  # UTC-5, no summer time
    signed_in(client, authority)
    lima = timezone.localtime(
        timezone.now() + timedelta(hours=3), timezone.get_fixed_timezone(-300)
    )

    client.post(
        NEW,
        composition([coparty], deadline="custom", deadline_at=lima.strftime("%Y-%m-%dT%H:%M")),
    )

    order = BlockingOrder.objects.get()
    assert abs(order.deadline - lima.replace(second=0, microsecond=0)) < timedelta(seconds=1)


def test_a_custom_deadline_needs_a_date_and_time_in_the_future_said_next_to_it(
    client, authority, coparty
):
    signed_in(client, authority)
    past = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    missing = page(client.post(NEW, composition([coparty], deadline="custom")))
    late = page(client.post(NEW, composition([coparty], deadline="custom", deadline_at=past)))

    assert "Give the date and time of the deadline." in missing
    error = re.search(r'<div id="id_deadline_at_error">(.*?)</div>', late, re.S)
    assert error and "The compliance deadline must be in the future." in error.group(1)
    assert not BlockingOrder.objects.exists()


def test_the_picker_offers_only_targets_the_authority_may_see_and_a_search_keeps_the_form(
    client, authority, owner, outsider, coparty
):
    agreement_between(owner, authority)
    shared = report_by(owner, indicators=[("domain", "shared-restream.example")])
    private = report_by(
        outsider, indicators=[("domain", "outsider-only.example")], sharing="private"
    )
    dedup.link_reports([shared.pk, private.pk])
    signed_in(client, authority)

    first = page(client.get(NEW, {"q": "restream"}))
    search = page(
        client.post(NEW, composition([coparty], targets="typed.example", q="only", action="search"))
    )

    assert "shared-restream.example" in first
    assert "outsider-only.example" not in first + search
    assert textarea(search).strip() == "typed.example"


def test_picked_targets_join_the_typed_ones(client, authority, owner, coparty):
    agreement_between(owner, authority)
    report = report_by(owner, indicators=[("domain", "picked.example")])
    dedup.link_reports([report.pk])
    target = report.indicators.get().target
    signed_in(client, authority)

    response = client.post(
        NEW, composition([coparty], targets="typed.example", picked=[str(target.uid)])
    )

    assert response.status_code == 302
    order = BlockingOrder.objects.get()
    assert set(order.targets.values_list("value", flat=True)) == {"typed.example", "picked.example"}


def test_an_order_that_lost_a_race_on_its_reference_is_a_field_error(
    client, authority, coparty, monkeypatch
):
    """A double click sends the form twice: the second insert meets the unique reference (the
    service raises DuplicateReference), and the page says so on the field instead of a 500."""
    from .. import services

    def lost_the_race(**_kwargs):
        raise services.DuplicateReference("You already issued an order with this reference.")

    monkeypatch.setattr(services, "order_issue", lost_the_race)
    signed_in(client, authority)
    response = client.post(NEW, composition([coparty], targets="typed.example"))
    assert response.status_code == 200
    assert "You already issued an order with this reference." in page(response)


@pytest.mark.parametrize("kind", ["rightsholder", "telco"])
def test_only_an_authority_may_compose_an_order(client, db, coparty, owner, kind):
    member = owner if kind == "rightsholder" else coparty
    signed_in(client, member)

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, composition([coparty])).status_code == 403
    assert not BlockingOrder.objects.exists()


def test_a_viewer_of_the_authority_may_read_but_not_issue(client, authority, coparty):
    order = order_by(authority)
    signed_in(client, authority, role=User.Role.VIEWER)

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, composition([coparty])).status_code == 403
    assert "Order ORD-1" in page(client.get(reverse("enforcement:detail", args=[order.pk])))
    lift = client.post(reverse("enforcement:lift", args=[order.pk]), {"whole": "on"})
    assert lift.status_code == 403
    assert BlockingOrder.objects.get().lifted_at is None


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("198.51.100.7", "ipv4"),
        ("2001:db8::1", "ipv6"),
        ("198.51.100.0/24", "cidr"),
        ("2001:db8::/32", "cidr"),
        ("https://restream.example/live", "url"),
        ("rtmp://restream.example/live", "url"),
        ("futbol-libre.example", "domain"),
        ("restream.example/live", "domain"),  # no scheme: refused as a domain, with a hint
    ],
)
def test_the_kind_of_a_typed_target_is_recognised(typed, kind):
    assert detect_kind(typed) == kind


# --- the ISP's answers -----------------------------------------------------------------------


def test_an_isp_acknowledges_and_confirms_with_one_click_each(client, authority, coparty):
    order = order_by(authority)
    signed_in(client, coparty)

    listing = page(client.get(LIST))
    assert f'action="/orders/{order.pk}/acknowledge/"' in listing
    assert f'action="/orders/{order.pk}/confirm/"' in listing
    ack = client.post(reverse("enforcement:acknowledge", args=[order.pk]), {"next": LIST})
    assert ack.status_code == 302 and ack.url == LIST
    assert Compliance.objects.get().state == Compliance.State.ACKNOWLEDGED
    after_ack = page(client.get(LIST))
    assert f'action="/orders/{order.pk}/acknowledge/"' not in after_ack
    done = client.post(reverse("enforcement:confirm", args=[order.pk]), {"confirm": "yes"})
    assert done.url == reverse("enforcement:detail", args=[order.pk])

    row = Compliance.objects.get()
    assert row.state == Compliance.State.IMPLEMENTED
    assert row.acknowledged_at <= row.implemented_at
    detail = page(client.get(done.url))
    assert "implementation confirmed" in detail
    assert f'action="/orders/{order.pk}/confirm/"' not in detail


def test_an_isp_rejects_with_a_reason_and_other_needs_a_detail_shown_next_to_it(
    client, authority, coparty
):
    order = order_by(authority)
    signed_in(client, coparty)
    url = reverse("enforcement:reject", args=[order.pk])

    vague = page(client.post(url, {"reject-reason": "other", "reject-detail": ""}))
    clear = client.post(
        url, {"reject-reason": "not_technically_possible", "reject-detail": "DNS only."}
    )

    assert "Say why, when the reason is 'other'." in vague
    assert clear.status_code == 302
    row = Compliance.objects.get()
    assert (row.state, row.reason, row.reason_detail) == (
        "rejected",
        "not_technically_possible",
        "DNS only.",
    )


def test_a_step_the_state_does_not_allow_shows_the_reason_instead_of_failing(
    client, authority, coparty
):
    order = order_by(authority)
    signed_in(client, authority).post(
        reverse("enforcement:lift", args=[order.pk]), {"whole": "on", "confirm": "yes"}
    )
    signed_in(client, coparty)

    response = client.post(reverse("enforcement:confirm", args=[order.pk]), follow=True)

    assert "This order is lifted." in page(response)
    assert Compliance.objects.get().state == Compliance.State.NOTIFIED


def test_the_wrong_party_gets_403_from_the_services(client, authority, coparty):
    order = order_by(authority)

    issuer_answers = signed_in(client, authority).post(
        reverse("enforcement:confirm", args=[order.pk])
    )
    isp_lifts = signed_in(client, coparty).post(
        reverse("enforcement:lift", args=[order.pk]), {"whole": "on"}
    )

    assert issuer_answers.status_code == 403
    assert "Only an ISP this order addresses can answer it." in issuer_answers.content.decode()
    assert isp_lifts.status_code == 403
    assert BlockingOrder.objects.get().lifted_at is None


# --- detail ----------------------------------------------------------------------------------


def test_the_outsider_gets_404_on_the_detail_and_every_step(client, authority, coparty, outsider):
    order = order_by(authority)
    signed_in(client, outsider)

    assert client.get(reverse("enforcement:detail", args=[order.pk])).status_code == 404
    for step in ("acknowledge", "confirm", "reject", "amend", "lift", "renew", "withdraw"):
        response = client.post(reverse(f"enforcement:{step}", args=[order.pk]))
        assert response.status_code == 404, step
    assert "ORD-1" not in page(client.get(LIST))


def test_the_issuer_lifts_one_target_and_the_order_stays_in_force(client, authority, coparty):
    order = order_by(authority, targets=[("domain", "a.example"), ("domain", "b.example")])
    a = order.targets.get(value="a.example")
    signed_in(client, authority)

    response = client.post(reverse("enforcement:lift", args=[order.pk]), {"targets": [a.pk]})

    assert response.status_code == 302
    a.refresh_from_db()
    order.refresh_from_db()
    assert a.lifted_at is not None
    assert order.targets.get(value="b.example").lifted_at is None
    assert order.status == BlockingOrder.Status.IN_FORCE
    detail = page(client.get(response.url))
    assert "1 target(s) lifted" in detail
    assert "Targets in force (1)" in detail and "Lifted targets (1)" in detail


def test_lifting_with_nothing_ticked_asks_for_targets(client, authority, coparty):
    order = order_by(authority)
    signed_in(client, authority)

    content = page(client.post(reverse("enforcement:lift", args=[order.pk]), {}))

    assert "Tick the targets to lift, or lift the whole order." in content
    assert BlockingOrder.objects.get().lifted_at is None


def test_an_amendment_keeps_the_typed_lines_on_an_error_and_adds_them_once_valid(
    client, authority, coparty
):
    order = order_by(authority)
    signed_in(client, authority)
    url = reverse("enforcement:amend", args=[order.pk])

    # The first line is already in force: the service numbers its errors without it.
    typed = "pirate-streams.example\nmirror.example\n104.16.1.1"
    refused = page(client.post(url, {"amend-targets": typed}))
    added = client.post(url, {"amend-targets": "mirror.example"})

    assert "Line 3 (104.16.1.1): covered by protected network" in refused
    assert textarea(refused, "amend-targets").strip() == typed
    assert added.status_code == 302
    assert set(order.targets.values_list("value", flat=True)) == {
        "pirate-streams.example",
        "mirror.example",
    }


def test_the_issuer_renews_and_withdraws_only_within_the_grace_window(
    client, authority, coparty, settings
):
    order = order_by(authority)
    signed_in(client, authority)
    new_end = timezone.localtime(timezone.now() + timedelta(days=800))

    renewed = client.post(
        reverse("enforcement:renew", args=[order.pk]),
        {"renew-valid_until": new_end.strftime("%Y-%m-%dT%H:%M"), "renew-note": "Season 2028"},
    )
    late = client.post(reverse("enforcement:withdraw", args=[order.pk]), follow=True)

    assert renewed.status_code == 302
    assert "Season 2028" in page(client.get(renewed.url))
    assert "The ISPs have been told of this order: lift it instead." in page(late)
    settings.BLOCKING_ORDER_GRACE_SECONDS = 60
    pending = order_by(authority)
    detail = page(client.get(reverse("enforcement:detail", args=[pending.pk])))
    assert "Withdraw the order" in detail
    client.post(reverse("enforcement:withdraw", args=[pending.pk]))
    assert BlockingOrder.objects.get(pk=pending.pk).status == BlockingOrder.Status.WITHDRAWN


def test_the_detail_shows_protected_overrides_and_warnings_to_the_issuer_only(
    client, authority, coparty
):
    order = order_by(
        authority,
        targets=[("ipv4", "104.16.1.1")],
        override_protected=True,
        justification="The operator's own dedicated address, confirmed by the host.",
    )
    url = reverse("enforcement:detail", args=[order.pk])

    issuer = page(signed_in(client, authority).get(url))
    isp = page(signed_in(client, coparty).get(url))

    assert "104.16.0.0/13" in issuer and "dedicated address" in issuer
    assert "may be shared by unrelated sites" in issuer
    assert "104.16.1.1" in isp
    assert "104.16.0.0/13" not in isp and "may be shared by unrelated sites" not in isp


def test_the_detail_links_only_the_reports_the_viewer_may_see(client, authority, owner, coparty):
    agreement_between(owner, authority)
    report = report_by(owner)
    order = order_by(authority, reports=[report.pk])
    url = reverse("enforcement:detail", args=[order.pk])
    link = f'href="/reports/{report.pk}/"'

    assert link in page(signed_in(client, authority).get(url))
    assert link not in page(signed_in(client, coparty).get(url))


def test_the_deadline_counts_down_and_turns_overdue(client, authority, coparty):
    order = order_by(authority, deadline=timezone.now() + timedelta(minutes=12, seconds=30))
    late = order_by(authority, deadline=timezone.now() + timedelta(minutes=5))
    BlockingOrder.objects.filter(pk=late.pk).update(
        deadline=timezone.now() - timedelta(minutes=3, seconds=10)
    )
    signed_in(client, authority)

    listing = page(client.get(LIST))
    detail = page(client.get(reverse("enforcement:detail", args=[late.pk])))

    assert re.search(r'data-deadline="[^"]+Z">12 min left</time>', listing)
    assert "overdue by 3 min" in listing and "1 overdue" in listing
    assert "overdue by 3 min" in detail
    assert str(order.pk) in listing


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (45, "45 s left"),
        (12 * 60 + 59, "12 min left"),
        (2 * 3600 + 5 * 60, "2 h 5 min left"),
        (3 * 86400, "3 days left"),
        (-3 * 60 - 10, "overdue by 3 min"),
        (-20, "overdue by 20 s"),
    ],
)
def test_the_countdown_words(seconds, text):
    now = timezone.now()
    assert countdown_text(now + timedelta(seconds=seconds), now) == text


# --- list ------------------------------------------------------------------------------------


def test_the_list_splits_issued_and_addressed_orders(client, authority, coparty):
    order_by(authority, reference="OURS-1")
    signed_in(client, authority)

    issued = page(client.get(LIST, {"role": "issued"}))
    addressed = page(client.get(LIST, {"role": "addressed"}))

    assert "OURS-1" in issued and "issued by us" in issued
    assert "OURS-1" not in addressed
    isp = page(signed_in(client, coparty).get(LIST, {"role": "addressed"}))
    assert "OURS-1" in isp and "addressed to us by" in isp


@pytest.mark.parametrize("who", ["authority", "coparty"])
def test_the_list_takes_as_many_queries_for_10_orders_as_for_1(client, authority, coparty, who):
    signed_in(client, authority if who == "authority" else coparty)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            page(client.get(LIST))
        return len(ctx.captured_queries)

    order_by(authority)
    with_1 = queries()
    for _ in range(9):
        order_by(authority, targets=[("domain", "a.example"), ("ipv4", "198.51.100.7")])
    assert queries() == with_1
    assert with_1 <= 10


# --- feeds -----------------------------------------------------------------------------------


def _snippet(content: str, ident: str) -> str:
    match = re.search(rf'<pre class="snippet" id="{ident}"><code>(.*?)</code></pre>', content, re.S)
    assert match, ident
    return match.group(1)


def test_the_feeds_page_shows_the_bind_and_unbound_snippets_with_the_isp_zone(
    client, authority, coparty
):
    order_by(authority, targets=[("domain", "a.example"), ("url", "https://b.example/x")])
    signed_in(client, coparty)

    content = page(client.get(FEEDS))

    zone = "coparty.rpz.atalaya.invalid"
    bind = _snippet(content, "bind")
    unbound = _snippet(content, "unbound")
    assert f'response-policy {{ zone "{zone}"; }};' in bind
    assert f'zone "{zone}" {{' in bind and "type primary;" in bind
    assert f"rndc reload {zone}" in content
    assert 'module-config: "respip validator iterator"' in unbound
    assert f'name: "{zone}"' in unbound and f'zonefile: "/var/lib/atalaya/{zone}.rpz"' in unbound
    assert f"unbound-control auth_zone_reload {zone}" in content
    assert "http://testserver/api/v1/blocklist.rpz" in content
    assert "If-None-Match" in _snippet(content, "script")
    assert 'id="entry-total">2<' in content


def test_the_fetch_script_is_valid_bash(client, coparty):
    signed_in(client, coparty)
    script = _snippet(page(client.get(FEEDS)), "script")

    result = subprocess.run(["bash", "-n"], input=script, text=True, capture_output=True)

    assert result.returncode == 0, result.stderr


class FakeHub:
    """Serves one blocklist answer as the hub does (ETag, 304 on If-None-Match), recording the
    headers of every request: the fetch script runs against it with curl."""

    def __init__(self, body: bytes, etag: str):
        import http.server
        import threading

        seen = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                seen.append(dict(self.headers.items()))
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/blocklist.rpz"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_the_fetch_script_saves_the_zone_and_reloads_only_when_it_changed(
    client, authority, coparty, tmp_path
):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    order_by(authority, targets=[("domain", "a.example")])
    feed = api_client_for(coparty).get("/api/v1/blocklist.rpz")
    hub = FakeHub(feed.content, feed["ETag"])
    signed_in(client, coparty)
    zone_file = tmp_path / "feed.rpz"
    script = (
        _snippet(page(client.get(FEEDS)), "script")
        .replace("http://testserver/api/v1/blocklist.rpz", hub.url)
        .replace("/var/lib/atalaya/coparty.rpz.atalaya.invalid.rpz", str(zone_file))
        .replace('rndc reload "$ZONE"', f'echo "$ZONE" >> "{tmp_path}/reloads"')
    )
    run = ["bash", "-c", script]
    env = {"PATH": "/usr/bin:/bin", "ATALAYA_KEY": "ata_test_key"}

    try:
        first = subprocess.run(run, env=env, text=True, capture_output=True)
        again = subprocess.run(run, env=env, text=True, capture_output=True)
    finally:
        hub.close()

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert zone_file.read_bytes() == feed.content
    assert (tmp_path / "feed.rpz.etag").read_text().strip() == feed["ETag"]
    assert (tmp_path / "reloads").read_text() == "coparty.rpz.atalaya.invalid\n"  # once
    assert [r.get("Authorization") for r in hub.requests] == ["Bearer ata_test_key"] * 2
    assert [r.get("If-None-Match") for r in hub.requests] == [None, feed["ETag"]]
    assert not list(tmp_path.glob("feed.rpz.??????*"))  # no temporary file left behind


def test_the_unbound_snippet_loads_the_feed_zone_in_unbound_checkconf(
    client, authority, coparty, tmp_path
):
    checkconf = shutil.which("unbound-checkconf") or (
        "/usr/sbin/unbound-checkconf"
        if shutil.which("unbound-checkconf", path="/usr/sbin")
        else None
    )
    if checkconf is None:
        pytest.skip("unbound-checkconf is not installed")
    order_by(authority, targets=[("domain", "a.example"), ("cidr", "198.51.100.0/24")])
    zone_file = tmp_path / "feed.rpz"
    zone_file.write_bytes(api_client_for(coparty).get("/api/v1/blocklist.rpz").content)
    signed_in(client, coparty)
    snippet = _snippet(page(client.get(FEEDS)), "unbound")
    snippet = snippet.replace("/var/lib/atalaya/coparty.rpz.atalaya.invalid.rpz", str(zone_file))
    config = tmp_path / "unbound.conf"
    config.write_text(
        f'server:\n    directory: "{tmp_path}"\n    chroot: ""\n    username: ""\n'
        + snippet.replace("server:\n", "", 1)
        + "\n"
    )

    result = subprocess.run([checkconf, str(config)], text=True, capture_output=True)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_feeds_page_is_for_isps_only(client, authority, owner):
    assert signed_in(client, authority).get(FEEDS).status_code == 404
    assert signed_in(client, owner).get(FEEDS).status_code == 404


def test_the_isp_inbox_links_to_the_order_it_was_told_of(client, authority, coparty):
    from notifications import fanout
    from notifications.models import Event

    order = order_by(authority)
    fanout.fan_out(Event.objects.get(type="blocking_order.issued", subject_ids=[order.pk]))
    client.force_login(UserFactory(organization=coparty, role="analyst"))

    page = client.get("/reports/inbox/").content.decode()
    api = api_client_for(coparty).get("/api/v1/notifications/").json()["results"]

    assert f'href="/orders/{order.pk}/"' in page
    assert api[0]["type"] == "blocking_order.issued" and api[0]["order"] == order.pk


def test_an_isps_one_click_answer_updates_the_page_in_place_with_htmx(client, authority, coparty):
    order = order_by(authority)
    client.force_login(UserFactory(organization=coparty, role="analyst"))

    page = client.get("/orders/").content.decode()
    answer = client.post(
        f"/orders/{order.pk}/acknowledge/",
        {"next": "/orders/"},
        HTTP_HX_REQUEST="true",
        follow=True,
    )

    assert f'hx-post="/orders/{order.pk}/acknowledge/"' in page and 'hx-select="main"' in page
    assert answer.status_code == 200 and "<main " in answer.content.decode()
    assert Compliance.objects.get(order=order, isp=coparty).state == "acknowledged"
