"""Reporting during a live match, in the portal: the paste box, evidence on the form, mirrors
added to a report while the event is live, and several reports imported from a sheet.

The owner reports; the co-party shares live sports in Peru with it; the outsider shares
nothing."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from members.models import AuditEvent
from notifications.fanout import process
from notifications.models import Event, Notification
from reports.models import Evidence, Report
from reports.tests.factories import agreement_between, report_by
from reports.tests.test_portal import page, signed_in, submission

pytestmark = pytest.mark.django_db

GOOD_LINES = [
    *(f"mirror-{n}.example" for n in range(10)),
    *(f"https://live-{n}.example/stream?utm_source=x" for n in range(8)),
    *(f"203.0.113.{n}" for n in range(1, 6)),
    "198.51.100.0/24",
    "panel.example:25461",
    "url,https://cdn.example/hd,the HD backup",
    "payment_account,paypal:pirate@example.com,checkout page",
    "watermark_id,WM-2026-0042",
]
BAD_LINES = ["exampl..com", "203.0.113.999"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shared(owner, coparty):
    return agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])


def pasted(lines: list[str], **overrides) -> dict:
    """The submit form with no indicator row filled in and `lines` in the paste box."""
    empty_rows = {f"indicators-{i}-value": "" for i in range(3)}
    return submission(**empty_rows, **{"paste-lines": "\n".join(lines)}, **overrides)


def box(html: str) -> str:
    """What the paste box holds on the page."""
    return re.search(r'<textarea name="paste-lines"[^>]*>(.*?)</textarea>', html, re.S)[1]


# --- the paste box ---------------------------------------------------------------------------


def test_a_paste_of_30_lines_with_2_bad_ones_stores_28_and_brings_the_2_back_as_typed(
    client, owner
):
    signed_in(client, owner)
    lines = [*GOOD_LINES[:7], BAD_LINES[0], *GOOD_LINES[7:21], BAD_LINES[1], *GOOD_LINES[21:]]
    assert len(lines) == 30

    response = client.post(reverse("reports:submit"), pasted(lines))

    report = Report.objects.get()
    assert response["Location"] == reverse("reports:add_indicators", args=[report.pk])
    stored = list(report.indicators.all())
    assert len(stored) == 28
    assert [i.position for i in stored] == list(range(28))
    assert ("url", "https://cdn.example/hd", "the HD backup") in [
        (i.kind, i.value, i.note) for i in stored
    ]
    assert ("iptv_panel", "panel.example:25461") in [(i.kind, i.value) for i in stored]

    html = page(client.get(response["Location"]))
    assert box(html).strip() == "exampl..com\n203.0.113.999"
    assert "Line 1 (exampl..com): not a valid domain name" in html
    assert "Line 2 (203.0.113.999): not a valid domain name" in html
    assert "2 pasted lines could not be read and were not added" in html
    # Once shown, they are the box's to keep, not the session's.
    assert box(page(client.get(response["Location"]))).strip() == ""


def test_the_two_lines_corrected_on_the_next_page_are_appended(client, owner):
    signed_in(client, owner)
    response = client.post(reverse("reports:submit"), pasted([*GOOD_LINES[:3], *BAD_LINES]))
    report = Report.objects.get()
    client.get(response["Location"])

    fixed = {"paste-lines": "example.com\n203.0.113.99"}
    response = client.post(reverse("reports:add_indicators", args=[report.pk]), fixed)

    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert [i.value for i in report.indicators.all()] == [
        "mirror-0.example",
        "mirror-1.example",
        "mirror-2.example",
        "example.com",
        "203.0.113.99",
    ]


def test_with_the_rest_of_the_form_wrong_nothing_is_stored_and_every_line_stays_in_the_box(
    client, owner
):
    signed_in(client, owner)
    lines = [*GOOD_LINES[:5], *BAD_LINES]
    html = page(client.post(reverse("reports:submit"), pasted(lines, title="")))
    assert not Report.objects.exists()
    assert box(html).strip() == "\n".join(lines)
    assert "Line 6 (exampl..com)" in html and "Line 7 (203.0.113.999)" in html
    # The errors belong to the box: it is marked invalid and points at them.
    textarea = re.search(r'<textarea name="paste-lines"[^>]*>', html)[0]
    assert 'aria-invalid="true"' in textarea and "id_paste-lines_error" in textarea


def test_rows_and_pasted_lines_together_make_one_report_each_value_once(client, owner):
    signed_in(client, owner)
    data = pasted(["Restream-Final.example", "https://mirror.example/live"])
    data.update({"indicators-0-kind": "domain", "indicators-0-value": "restream-final.example"})
    response = client.post(reverse("reports:submit"), data, follow=True)
    assert [i.value for i in Report.objects.get().indicators.all()] == [
        "restream-final.example",
        "https://mirror.example/live",
    ]
    assert "1 value given twice was entered once." in page(response)


def test_only_unreadable_lines_store_nothing_and_ask_for_an_indicator(client, owner):
    signed_in(client, owner)
    html = page(client.post(reverse("reports:submit"), pasted(BAD_LINES)))
    assert not Report.objects.exists()
    assert "Give at least one indicator." in html and "Line 1 (exampl..com)" in html


def test_more_than_100_indicators_are_refused_and_the_paste_kept(client, owner):
    signed_in(client, owner)
    lines = [f"mirror-{n}.example" for n in range(101)]
    html = page(client.post(reverse("reports:submit"), pasted(lines)))
    assert not Report.objects.exists()
    assert "At most 100 indicators per report; these are 101." in html
    assert "mirror-100.example" in box(html)


# --- evidence on the form --------------------------------------------------------------------


def capture(name: str = "capture.png", content: bytes = b"PNG...kick-off") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def test_files_chosen_on_the_report_form_are_attached_to_the_new_report(client, owner):
    signed_in(client, owner)
    data = pasted(GOOD_LINES[:2])
    data["evidence-files"] = [capture(), capture("invoice.pdf", b"%PDF-1.7")]
    response = client.post(reverse("reports:submit"), data)
    report = Report.objects.get()
    assert response["Location"] == reverse("reports:detail", args=[report.pk])
    assert sorted(e.name for e in report.evidence.all()) == ["capture.png", "invoice.pdf"]
    assert AuditEvent.objects.filter(action="evidence.added").count() == 2


def test_a_file_over_the_limit_stops_the_report_and_says_which(client, owner, settings):
    settings.MAX_EVIDENCE_BYTES = 10
    signed_in(client, owner)
    data = pasted(GOOD_LINES[:2])
    data["evidence-files"] = [capture("huge.mov", b"x" * 11)]
    html = page(client.post(reverse("reports:submit"), data))
    assert not Report.objects.exists() and not Evidence.objects.exists()
    assert "huge.mov" in html
    assert "mirror-1.example" in box(html)


# --- mirrors added while the event is live ---------------------------------------------------


def test_the_owner_appends_mirrors_the_audit_says_so_and_the_coparty_is_told(
    client, owner, coparty, outsider, shared
):
    report = report_by(owner, indicators=[("domain", "restream.example")], title="The final")
    process(Event.objects.get(type="report.shared"))
    Notification.objects.all().delete()
    signed_in(client, owner)

    response = client.post(
        reverse("reports:add_indicators", args=[report.pk]),
        {"paste-lines": "Restream.example\nmirror-2.example\nurl,https://m3.example/live,HD"},
        follow=True,
    )

    html = page(response)
    assert "2 indicators added to the report." in html
    assert "Already in the report, left as they are: restream.example." in html
    indicators = list(report.indicators.order_by("position"))
    assert [(i.position, i.kind, i.value, i.note) for i in indicators] == [
        (0, "domain", "restream.example", ""),
        (1, "domain", "mirror-2.example", ""),
        (2, "url", "https://m3.example/live", "HD"),
    ]
    first = indicators[0]
    assert first.raw_value == "restream.example" and first.target_id is not None
    audit = AuditEvent.objects.get(action="report.indicators_added")
    assert (audit.object_id, audit.organization) == (str(report.pk), owner)
    assert audit.data["values"] == ["domain:mirror-2.example", "url:https://m3.example/live"]

    event = Event.objects.get(type="report.updated")
    assert event.subject_ids == [report.pk] and event.urgent is False
    process(event)
    # The new indicators went through deduplication before anyone was told.
    assert all(i.target_id for i in report.indicators.all())
    report.refresh_from_db()
    assert report.linked_at is not None
    assert list(Notification.objects.values_list("organization__slug", "subject_id")) == [
        ("coparty", report.pk)
    ]

    assert "m3.example" in page(signed_in(client, coparty).get(report_url(report)))
    assert signed_in(client, outsider).get(report_url(report)).status_code == 404


def report_url(report: Report) -> str:
    return reverse("reports:detail", args=[report.pk])


def test_evidence_alone_is_attached_from_the_add_page(client, owner, shared):
    report = report_by(owner)
    signed_in(client, owner)
    response = client.post(
        reverse("reports:add_indicators", args=[report.pk]),
        {"paste-lines": "", "evidence-files": [capture()]},
        follow=True,
    )
    assert "1 file attached." in page(response)
    assert [e.name for e in report.evidence.all()] == ["capture.png"]
    assert not AuditEvent.objects.filter(action="report.indicators_added").exists()


def test_only_the_owner_s_analysts_may_add_to_a_report(client, owner, coparty, outsider, shared):
    report = report_by(owner)
    url = reverse("reports:add_indicators", args=[report.pk])
    lines = {"paste-lines": "intruder.example"}
    # The co-party reads the report but may not add to it: the same 404 as for the outsider.
    assert signed_in(client, coparty).get(report_url(report)).status_code == 200
    for org in (coparty, outsider):
        signed_in(client, org)
        assert client.get(url).status_code == 404
        assert client.post(url, lines).status_code == 404
    signed_in(client, owner, "viewer")
    assert client.post(url, lines).status_code == 403
    signed_in(client, owner)
    assert client.get(reverse("reports:add_indicators", args=[report.pk + 1000])).status_code == 404
    assert [i.value for i in report.indicators.all()] == ["pirate.example"]
    assert not Event.objects.filter(type="report.updated").exists()

    detail = page(client.get(report_url(report)))
    assert f'href="{url}"' in detail
    assert f'href="{url}"' not in page(signed_in(client, coparty).get(report_url(report)))


def test_a_withdrawn_report_takes_no_new_indicators(client, owner):
    report = report_by(owner)
    Report.objects.filter(pk=report.pk).update(status=Report.Status.WITHDRAWN)
    signed_in(client, owner)
    html = page(
        client.post(
            reverse("reports:add_indicators", args=[report.pk]), {"paste-lines": "late.example"}
        )
    )
    assert "A resolved or withdrawn report takes no new indicators" in html
    assert "late.example" in box(html)
    assert report.indicators.count() == 1


# --- several reports from a sheet ------------------------------------------------------------

SHEET = (
    "title;category;indicators;tlp;jurisdictions;live_from\n"
    'Final;live_sports;"final.example\nhttps://final.example/hd";amber;PE;2026-12-07 19:00\n'
    "Semi;football;semi.example;;PE;\n"
    "Third place;iptv;bad..example;green;;\n"
    "Quarter;live_sports;quarter.example;clear;;\n"
)


def test_a_sheet_is_previewed_row_by_row_and_nothing_is_stored_before_the_submit(client, owner):
    signed_in(client, owner)
    upload = SimpleUploadedFile("matches.csv", SHEET.encode("cp1252"), content_type="text/csv")
    response = client.post(reverse("reports:import"), {"file": upload, "check": "1"})
    html = page(response)
    assert not Report.objects.exists()
    assert "2 rows ready" in html and "2 rows with errors, not submitted" in html
    assert "Unknown category football" in html
    assert "Line 1 (bad..example)" in html
    assert "Submit 2 reports" in html
    sheet = response.context["sheet"]
    assert [(r.number, r.ok) for r in sheet.rows] == [(2, True), (3, False), (4, False), (5, True)]


def test_the_previewed_sheet_s_valid_rows_are_submitted_together(client, owner, coparty, shared):
    signed_in(client, owner)
    preview = client.post(reverse("reports:import"), {"sheet": SHEET, "check": "1"})
    digest = preview.context["form"].initial["previewed"]

    response = client.post(
        reverse("reports:import"),
        {"sheet": SHEET.replace("\n", "\r\n"), "previewed": digest, "submit": "1"},
        follow=True,
    )

    html = page(response)
    assert "2 reports submitted." in html
    assert "Rows not submitted, because of their errors: 3, 4." in html
    final, quarter = Report.objects.order_by("pk")
    assert (final.title, final.jurisdictions, final.tlp) == ("Final", ["PE"], 2)
    assert [i.value for i in final.indicators.all()] == [
        "final.example",
        "https://final.example/hd",
    ]
    assert final.live_from is not None
    assert (quarter.title, quarter.tlp) == ("Quarter", 0)
    # One submission, one event: the bulk service's.
    (event,) = Event.objects.filter(type="report.shared")
    assert event.subject_ids == [final.pk, quarter.pk]
    assert AuditEvent.objects.filter(action="report.submitted").count() == 2


def test_a_sheet_changed_after_its_check_is_checked_again_not_submitted(client, owner):
    signed_in(client, owner)
    preview = client.post(reverse("reports:import"), {"sheet": SHEET, "check": "1"})
    digest = preview.context["form"].initial["previewed"]
    changed = SHEET + "Extra;iptv;extra.example;;;\n"
    response = client.post(
        reverse("reports:import"), {"sheet": changed, "previewed": digest, "submit": "1"}
    )
    assert "The rows changed since they were checked" in page(response)
    assert "3 rows ready" in page(response)
    assert not Report.objects.exists()


def test_rows_pasted_from_a_spreadsheet_are_read_by_their_tabs(client, owner):
    signed_in(client, owner)
    rows = "Title\tCategory\tIndicators\nFinal\tLive sports restream\tfinal.example\n"
    response = client.post(reverse("reports:import"), {"sheet": rows, "check": "1"})
    assert "1 row ready" in page(response)


def test_viewers_may_not_import_and_an_empty_sheet_is_refused(client, owner):
    assert signed_in(client, owner, "viewer").get(reverse("reports:import")).status_code == 403
    signed_in(client, owner)
    html = page(client.post(reverse("reports:import"), {"sheet": "", "check": "1"}))
    assert "Choose a CSV file or paste the rows." in html
