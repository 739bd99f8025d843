"""The reports and targets lists as CSV: a download holds exactly the rows of the reader's
filtered list (every page, the same order), through the access policy, safe to open in a
spreadsheet. The actors: an owner (a rightsholder that reports), a co-party (an ISP sharing
with it under an agreement) and an outsider (a member with no agreement)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kernel.csv_export import cell
from kernel.vocabulary import TLP
from members.models import Organization, User
from members.tests.factories import UserFactory
from reports import dedup, target_list_views, views
from reports.export_views import REPORT_COLUMNS
from reports.models import Report

from .factories import agreement_between, report_by

pytestmark = pytest.mark.django_db

LIST = reverse("reports:list")
EXPORT = reverse("reports:export")
TARGETS = reverse("reports:targets")
TARGETS_CSV = reverse("reports:targets_csv")
REPORT_LINK = re.compile(r'href="/reports/(\d+)/"')
TARGET_LINK = re.compile(r'href="/reports/targets/([0-9a-f-]{36})/"')


def signed_in(client, org: Organization):
    client.force_login(UserFactory(organization=org, role="viewer"))
    return client


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="atalaya-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def listed(client, url: str, query: str, link: re.Pattern) -> list[str]:
    """The ids the list shows, page after page, in its order."""
    found, number = [], 1
    while True:
        response = client.get(f"{url}?{query}&page={number}")
        assert response.status_code == 200
        content = response.content.decode()
        found += link.findall(content)
        if 'rel="next"' not in content:
            return found
        number += 1


@pytest.fixture
def shared(owner, coparty, outsider):
    """The owner's reports: shared with the co-party under an agreement, private, TLP:CLEAR,
    and the outsider's own."""
    agreement_between(owner, coparty)
    made = {
        "amber": report_by(owner, title="Amber restream", indicators=[("domain", "amber.example")]),
        "private": report_by(
            owner,
            title="Private lead",
            sharing=Report.Sharing.PRIVATE,
            indicators=[("domain", "private-lead.example")],
        ),
        "clear": report_by(
            owner, title="Clear IPTV", tlp=TLP.CLEAR, indicators=[("domain", "clear.example")]
        ),
        "outsider": report_by(
            outsider, title="Outsider's own", indicators=[("domain", "outsider.example")]
        ),
    }
    for n in range(5):
        made[f"more{n}"] = report_by(
            owner,
            title=f"Match day mirror {n}",
            category="iptv" if n % 2 else "live_sports",
            indicators=[("domain", f"mirror-{n}.example"), ("url", f"https://mirror-{n}.example/")],
        )
    linked(*made.values())
    return made


def linked(*reports: Report) -> None:
    """Targets are made from indicators after the commit (reports.dedup): at once here."""
    dedup.link_reports([r.pk for r in reports])


@pytest.mark.parametrize("reader", ["owner", "coparty"])
@pytest.mark.parametrize("query", ["", "category=live_sports", "q=mirror", "tlp=amber&status=open"])
def test_the_download_holds_exactly_the_filtered_list_on_every_page(
    client, request, monkeypatch, shared, reader, query
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)  # the list spreads over several pages
    signed_in(client, request.getfixturevalue(reader))

    exported = [row["id"] for row in rows(client.get(f"{EXPORT}?{query}"))]

    assert exported == listed(client, LIST, query, REPORT_LINK)
    assert exported  # each case lists something


def test_the_list_links_to_the_download_of_what_it_shows(client, owner, shared):
    signed_in(client, owner)

    content = client.get(f"{LIST}?category=live_sports&page=2").content.decode()

    assert f'href="{EXPORT}?category=live_sports" download' in content


def test_an_outsiders_download_holds_only_what_the_policy_lets_it_see(
    client, outsider, coparty, shared
):
    signed_in(client, outsider)

    text = {row["title"] for row in rows(client.get(EXPORT))}

    assert text == {"Clear IPTV", "Outsider's own"}
    signed_in(client, coparty)
    coparty_rows = rows(client.get(EXPORT))
    assert "Private lead" not in {row["title"] for row in coparty_rows}
    assert "private-lead.example" not in str(coparty_rows)
    assert "outsider.example" not in str(coparty_rows)


def test_indicators_are_columns_one_per_kind_with_one_value_per_line(client, owner):
    report = report_by(
        owner,
        indicators=[
            ("domain", "futbol-libre.example"),
            ("url", "https://futbol-libre.example/live/1"),
            ("url", "https://futbol-libre.example/live/2"),
            ("ipv4", "198.51.100.7"),
            ("payment_account", "Banco Pirata 001"),
            ("payment_account", "pix:cobros@futbol.example"),
        ],
    )
    signed_in(client, owner)

    (row,) = rows(client.get(EXPORT))

    assert list(row) == REPORT_COLUMNS
    assert row["domain"] == "futbol-libre.example"
    assert row["url"] == "https://futbol-libre.example/live/1\nhttps://futbol-libre.example/live/2"
    assert row["ipv4"] == "198.51.100.7"
    assert row["ipv6"] == row["cidr"] == ""
    # An account may hold a space: one value per line keeps them apart.
    assert row["payment_account"].split("\n") == ["Banco Pirata 001", "pix:cobros@futbol.example"]
    assert row["tlp"] == "amber"
    assert row["reported_by"] == owner.name
    assert row["link"] == f"http://testserver/reports/{report.pk}/"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["created_at"])


def test_the_reporter_is_named_only_where_the_list_names_it(client, owner, coparty):
    agreement_between(owner, coparty, share_reporter_identity=False)
    report_by(owner, title="Withheld")
    signed_in(client, coparty)

    (row,) = rows(client.get(EXPORT))

    assert row["reported_by"] == ""
    assert owner.name not in client.get(LIST).content.decode()


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_quoted(client, owner):
    for title in ('=HYPERLINK("http://evil.example")', "+1+2", "-3", "@SUM(A1)", "\tTab"):
        report_by(owner, title=title)
    report_by(owner, title="Plain - title = fine")
    report_by(owner, title="Account", indicators=[("payment_account", "=2+3")])
    signed_in(client, owner)

    exported = rows(client.get(EXPORT))
    titles = {row["title"] for row in exported}

    assert titles == {
        '\'=HYPERLINK("http://evil.example")',
        "'+1+2",
        "'-3",
        "'@SUM(A1)",
        "'\tTab",
        "Plain - title = fine",
        "Account",
    }
    assert {row["payment_account"] for row in exported} == {"", "'=2+3"}


def test_cells_are_written_as_the_api_writes_values():
    assert cell(None) == ""
    assert cell(True) == "yes"
    assert cell(12) == "12"
    assert cell(["a.example", "b.example"]) == "a.example b.example"
    assert cell(["=cmd", "b"]) == "'=cmd b"
    assert cell("\rx") == "'\rx"


def test_the_download_costs_the_same_queries_for_3_or_12_reports(client, owner):
    signed_in(client, owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            rows(client.get(EXPORT))
        return len(captured)

    for n in range(3):
        report_by(owner, title=f"R{n}", indicators=[("domain", f"r{n}.example")])
    few = queries()
    for n in range(3, 12):
        report_by(owner, title=f"R{n}", indicators=[("domain", f"r{n}.example")])
    assert queries() == few


def test_downloads_need_a_sign_in_and_are_not_for_hub_staff(client):
    assert client.get(EXPORT).status_code == 302
    assert client.get(TARGETS_CSV).status_code == 302
    client.force_login(User.objects.create_user("staff@hub.example", "pw", is_staff=True))
    assert client.get(EXPORT).status_code == 404
    assert client.get(TARGETS_CSV).status_code == 404


# --- targets -------------------------------------------------------------------------------


@pytest.mark.parametrize("reader", ["owner", "coparty", "outsider"])
@pytest.mark.parametrize("query", ["", "kind=url", "q=mirror-", "corroborated=false"])
def test_the_targets_download_holds_exactly_the_filtered_targets_list(
    client, request, monkeypatch, shared, reader, query
):
    monkeypatch.setattr(target_list_views, "PAGE_SIZE", 3)
    signed_in(client, request.getfixturevalue(reader))

    exported = [row["id"] for row in rows(client.get(f"{TARGETS_CSV}?{query}"))]

    assert exported == listed(client, TARGETS, query, TARGET_LINK)
    # Each case lists something, but the mirrors' targets, which the outsider may not see.
    assert bool(exported) != (reader == "outsider" and query in ("kind=url", "q=mirror-"))


def test_an_outsider_sees_no_target_of_a_report_it_may_not_see(client, outsider, coparty, shared):
    linked(report_by(coparty, title="Corroboration", indicators=[("domain", "amber.example")]))
    signed_in(client, outsider)

    exported = {row["value"]: row for row in rows(client.get(TARGETS_CSV))}
    page = client.get(TARGETS).content.decode()

    assert set(exported) == {"clear.example", "outsider.example"}
    for hidden in ("amber.example", "private-lead.example", "mirror-0.example"):
        assert hidden not in page
    assert exported["clear.example"]["reports"] == "1"


def test_a_target_counts_only_the_reports_the_reader_may_see(client, owner, coparty, shared):
    linked(report_by(coparty, title="Corroboration", indicators=[("domain", "amber.example")]))
    signed_in(client, coparty)

    exported = {row["value"]: row for row in rows(client.get(TARGETS_CSV))}

    assert exported["amber.example"]["reports"] == "2"
    assert exported["amber.example"]["corroborated"] == "yes"
    assert "private-lead.example" not in exported
    signed_in(client, owner)
    mine = {row["value"]: row for row in rows(client.get(TARGETS_CSV))}
    assert mine["private-lead.example"]["corroborated"] == "no"
