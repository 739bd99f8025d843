"""Indicators typed as lines (the paste box) and reports as rows of a sheet (the import): what is
read, what is refused, and how each refusal names what was typed."""

from __future__ import annotations

import pytest

from reports.imports import check_sheet, decode, read_sheet
from reports.indicator_lines import (
    MAX_LINE_ERRORS,
    detect_kind,
    detect_report_kind,
    parse_indicator_lines,
)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("pirate.example", "domain"),
        ("https://pirate.example/live", "url"),
        ("pirate.example/live/1", "url"),
        ("203.0.113.9", "ipv4"),
        ("2001:db8::1", "ipv6"),
        ("203.0.113.0/24", "cidr"),
        ("panel.example:25461", "iptv_panel"),
        ("203.0.113.9:8080", "iptv_panel"),
    ],
)
def test_a_reporter_s_line_gets_the_kind_it_means(typed, kind):
    assert detect_report_kind(typed) == kind


def test_the_order_form_s_guess_is_unchanged_a_path_without_scheme_stays_a_domain():
    # An order must choose between blocking the host and the URL: it asks (enforcement).
    assert detect_kind("pirate.example/live") == "domain"
    assert detect_kind("panel.example:25461") == "domain"


def test_lines_values_and_csv_records_are_read_and_notes_kept():
    parsed = parse_indicator_lines(
        "kind,value,note\n"
        "# mirrors seen at kick-off\n"
        "\n"
        "Mirror-One.EXAMPLE\n"
        'url,"https://pirate.example/a,b",has a comma\n'
        "payment_account, paypal:Pirate@Example.com , checkout page\n"
        "https://pirate.example/x?a=1,2\n"
    )
    assert not parsed.rejected
    assert [
        (line.number, i.kind, i.value, i.note) for line in parsed.lines for i in [line.indicator]
    ] == [
        (4, "domain", "mirror-one.example", ""),
        (5, "url", "https://pirate.example/a,b", "has a comma"),
        (6, "payment_account", "paypal:pirate@example.com", "checkout page"),
        (7, "url", "https://pirate.example/x?a=1,2", ""),
    ]
    assert parsed.lines[0].indicator.raw_value == "Mirror-One.EXAMPLE"


def test_a_refused_line_names_its_number_and_what_was_typed_and_says_why():
    parsed = parse_indicator_lines("ok.example\n\nexampl..com\nfoo,bar.example\n")
    assert [line.indicator.value for line in parsed.lines] == ["ok.example"]
    assert [(r.number, r.text) for r in parsed.rejected] == [
        (3, "exampl..com"),
        (4, "foo,bar.example"),
    ]
    assert parsed.rejected[0].message.startswith("Line 3 (exampl..com): not a valid domain name")
    assert "unknown kind 'foo'" in parsed.rejected[1].message
    assert parsed.rejected_text == "exampl..com\nfoo,bar.example"


def test_a_long_note_and_a_long_line_are_refused_and_shown_shortened():
    parsed = parse_indicator_lines(f"domain,ok.example,{'n' * 501}\n{'x' * 300}.example")
    assert "note is longer than 500" in parsed.rejected[0].message
    assert "…" in parsed.rejected[1].message and len(parsed.rejected[1].message) < 200


def test_past_fifty_refused_lines_the_rest_are_counted_not_listed():
    parsed = parse_indicator_lines("\n".join(f"bad..{i}" for i in range(60)))
    assert len(parsed.shown_errors) == MAX_LINE_ERRORS and parsed.more_errors == 10


# --- sheets ----------------------------------------------------------------------------------


def test_a_sheet_is_read_with_commas_semicolons_or_tabs_and_its_rows_numbered_as_a_spreadsheet():
    for separator in (",", ";", "\t"):
        text = separator.join(["Title", "Category", "Indicators", "Colour"]) + "\n"
        text += separator.join(["Final", "live_sports", "a.example", "red"]) + "\n\n"
        text += separator.join(["Semi", "iptv", "b.example", ""]) + "\n"
        sheet = read_sheet(text)
        assert not sheet.problem
        assert [(r.number, r.cells["title"]) for r in sheet.rows] == [(2, "Final"), (4, "Semi")]
        assert sheet.ignored_columns == ["colour"]


def test_excel_s_byte_order_mark_and_windows_1252_are_read():
    assert decode("\ufefftitle".encode()) == "title"
    assert decode("Clásico".encode("cp1252")) == "Clásico"


def test_a_sheet_without_its_required_columns_says_which():
    sheet = read_sheet("title;indicators\nFinal;a.example\n")
    assert "missing: category" in sheet.problem and not sheet.rows


@pytest.mark.django_db
def test_each_row_is_checked_as_a_report_and_its_errors_name_their_column(owner):
    sheet = check_sheet(
        read_sheet(
            "title,category,indicators,tlp,jurisdictions\n"
            'Final,Live sports restream,"a.example\nhttps://b.example/live",TLP:GREEN,pe co\n'
            "Semi,football,bad..example,purple,XX\n"
            "Secret,iptv,c.example,red,\n"
        ),
        owner=owner,
    )
    final, semi, secret = sheet.rows
    assert final.ok and final.report.category == "live_sports" and final.report.tlp == 1
    assert [i.value for i in final.report.indicators] == ["a.example", "https://b.example/live"]
    assert final.report.jurisdictions == ["PE", "CO"]
    assert {column for column, _ in semi.errors} == {
        "category",
        "indicators",
        "tlp",
        "jurisdictions",
    }
    assert any("Line 1 (bad..example)" in m for c, msgs in semi.errors for m in msgs)
    assert secret.errors == [("recipients", ["A TLP:RED report must name its recipients."])]
    assert [r.number for r in sheet.valid] == [2]
