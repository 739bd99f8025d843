"""The bulk endpoint's quick path (`ReportWriteSerializer.quick_input`) against the serializer.

The quick path may decline anything, but whatever it accepts the serializer must accept too,
with the same result: otherwise a bulk submission would store what a single one refuses.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from kernel.vocabulary import TLP
from members.tests.factories import OrganizationFactory, make_key
from reports.api.serializers import ReportWriteSerializer
from reports.models import Report
from reports.tests.factories import agreement_between

pytestmark = pytest.mark.django_db


@pytest.fixture
def coalition():
    owner = OrganizationFactory(slug="league", kind="rightsholder")
    coparty = OrganizationFactory(slug="isp-pe", kind="telco")
    outsider = OrganizationFactory(slug="outsider", kind="telco")
    ours = agreement_between(owner, coparty)
    theirs = agreement_between(coparty, outsider)
    return owner, coparty, outsider, ours, theirs


def serializer_verdict(owner, item):
    write = ReportWriteSerializer(context={"organization": owner})
    try:
        return ReportWriteSerializer.to_input(write.run_validation(item))
    except serializers.ValidationError:
        return None


texts = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["", "  ", " title ", "a" * 300, "a" * 301, " " + "a" * 300, "x\x00y"]),
    st.integers(),
    st.none(),
)
indicator_values = st.one_of(
    st.sampled_from(
        [
            "futbol-libre.example",
            " futbol-libre.example ",
            "https://futbol-libre.example/live/1?utm_source=x",
            "FUTBOL-LIBRE.EXAMPLE.",
            "185.1.2.3",
            "999.1.2.3",
            "not a domain",
            "",
            " ",
            "xn--80a4b4.example",
            "a\x00.example",
            "b" * 9000,
        ]
    ),
    st.text(max_size=30),
    st.integers(),
    st.none(),
)
indicators = st.lists(
    st.one_of(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["domain", "url", "ipv4", "iptv_panel", "nope", ""]),
                "value": indicator_values,
            }
        ),
        st.just("futbol-libre.example"),
        st.fixed_dictionaries({"kind": st.just("domain")}),
    ),
    max_size=4,
)


@st.composite
def items(draw, agreement_ids, slugs):
    """A plainly valid report, then up to three fields replaced by anything (odd types, blanks,
    long or padded text, unknown names) or dropped, plus an ignored extra field."""
    item = {
        "category": draw(st.sampled_from(["iptv", "live_sports", "other"])),
        "title": draw(st.sampled_from(["Restream", " padded ", "a" * 300])),
        "tlp": draw(st.sampled_from(["green", "amber", "amber+strict"])),
        "jurisdictions": draw(st.lists(st.sampled_from(["PE", "pe", "BR"]), max_size=2)),
        "indicators": [{"kind": "domain", "value": "futbol-libre.example"}],
    }
    anything = {
        "category": st.sampled_from(["iptv", "IPTV", "", None, 3]),
        "title": texts,
        "description": texts,
        "tlp": st.sampled_from(["clear", "red", "AMBER", 2, None]),
        "jurisdictions": st.one_of(
            st.lists(st.sampled_from(["PE", "pe", "XX", " PE", "P", 7, None]), max_size=3),
            st.just("PE"),
            st.none(),
        ),
        "indicators": st.one_of(indicators, st.just("x.example"), st.none()),
        "sharing": st.sampled_from(["agreements", "private", "public", None]),
        "recipients": st.one_of(
            st.lists(st.sampled_from([*slugs, "nobody", " league", "a b", 5]), max_size=3),
            st.none(),
        ),
        "agreements": st.one_of(
            st.lists(st.sampled_from([*agreement_ids, 999_999, 0, -1, "1", True]), max_size=2),
            st.none(),
        ),
        "live_from": st.sampled_from([None, "2026-11-23T20:00:00Z", "tomorrow"]),
        "extra": st.just("ignored"),
    }
    for name in draw(st.lists(st.sampled_from(sorted(anything)), max_size=3, unique=True)):
        if draw(st.integers(0, 4)) == 0:
            item.pop(name, None)
        else:
            item[name] = draw(anything[name])
    return item


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_quick_path_accepts_only_what_the_serializer_accepts_and_gives_the_same(
    coalition, data
):
    owner, coparty, outsider, ours, theirs = coalition
    item = data.draw(items([ours.pk, theirs.pk], [owner.slug, coparty.slug, outsider.slug]))
    quick = ReportWriteSerializer(context={"organization": owner}).quick_input(item)
    if quick is not None:
        assert serializer_verdict(owner, item) == quick
    elif serializer_verdict(owner, item) is not None:
        # Declining is allowed, but only for what the quick path leaves out on purpose.
        assert (
            "live_from" in item
            or any(type(v) is not str for v in (item.get("title"), item.get("description", "")))
            or _unusual(item)
        )


def _unusual(item) -> bool:
    """Valid input the quick path declines by design: padding DRF strips, numbers DRF turns
    into strings, agreement ids given as strings."""
    jurisdictions = item.get("jurisdictions", [])
    return (
        any(type(c) is not str or c != c.strip() for c in jurisdictions)
        or any(type(s) is not str or s != s.strip() for s in item.get("recipients", []))
        or any(type(i) is not int for i in item.get("agreements", []))
        or any(type(i) is not dict or type(i.get("value")) is not str for i in item["indicators"])
    )


def test_the_quick_path_takes_a_plain_valid_report(coalition):
    owner, coparty, _, ours, _ = coalition
    item = {
        "category": "live_sports",
        "title": " Restream of the final ",
        "tlp": "red",
        "jurisdictions": ["pe"],
        "recipients": [coparty.slug],
        "agreements": [ours.pk],
        "indicators": [{"kind": "url", "value": "https://futbol-libre.example/live/1"}],
    }
    quick = ReportWriteSerializer(context={"organization": owner}).quick_input(item)
    assert quick is not None
    assert quick == serializer_verdict(owner, item)
    assert quick.title == "Restream of the final"
    assert quick.jurisdictions == ["PE"]


def test_the_quick_path_leaves_an_agreement_of_others_to_the_serializer(coalition):
    owner, _, _, _, theirs = coalition
    item = {
        "category": "iptv",
        "title": "Panel",
        "agreements": [theirs.pk],
        "indicators": [{"kind": "domain", "value": "panel.example"}],
    }
    assert ReportWriteSerializer(context={"organization": owner}).quick_input(item) is None
    assert serializer_verdict(owner, item) is None


def test_a_report_without_a_tlp_is_stored_as_amber_alone_and_in_bulk(client, coalition):
    owner = coalition[0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {make_key(owner)}"}
    body = {
        "category": "iptv",
        "title": "No TLP given",
        "indicators": [{"kind": "domain", "value": "no-tlp.example"}],
    }
    one = client.post("/api/v1/reports/", body, content_type="application/json", **headers)
    assert one.status_code == 201, one.content
    assert one.json()["tlp"] == "amber"
    bulk = client.post(
        "/api/v1/reports/bulk/",
        json.dumps({"reports": [body, body | {"live_from": None}]}),
        content_type="application/json",
        **headers,
    )
    assert bulk.json()["created"] == 2
    assert set(Report.objects.filter(owner=owner).values_list("tlp", flat=True)) == {TLP.AMBER}


EDGES = [
    ("title", "a" * 301),
    ("title", " " + "a" * 300 + " "),
    ("title", "   "),
    ("title", "x\x00y"),
    ("title", "lone \ud800 surrogate"),
    ("title", 12),
    ("description", "x\x00y"),
    ("description", "   "),
    ("description", None),
    ("tlp", "AMBER"),
    ("tlp", None),
    ("jurisdictions", ["pe", "BR"]),
    ("jurisdictions", ["XX"]),
    ("jurisdictions", [" PE"]),
    ("jurisdictions", "PE"),
    ("indicators", []),
    ("indicators", [{"kind": "domain", "value": " "}]),
    ("indicators", [{"kind": "domain", "value": "b" * 9000}]),
    ("indicators", [{"kind": "domain", "value": "a\x00.example"}]),
    ("indicators", [{"kind": "domain", "value": "futbol-libre.example"}] * 101),
    ("indicators", [{"kind": "Domain", "value": "futbol-libre.example"}]),
    ("sharing", "private"),
    ("sharing", "public"),
    ("recipients", ["isp-pe"]),
    ("agreements", [0]),
    ("agreements", [True]),
]


@pytest.mark.parametrize(("field", "value"), EDGES, ids=[f"{f}={v!r:.20}" for f, v in EDGES])
def test_at_each_edge_the_quick_path_declines_or_agrees_with_the_serializer(
    coalition, field, value
):
    owner = coalition[0]
    item = {
        "category": "iptv",
        "title": "Panel",
        "indicators": [{"kind": "domain", "value": "futbol-libre.example"}],
        field: value,
    }
    quick = ReportWriteSerializer(context={"organization": owner}).quick_input(item)
    verdict = serializer_verdict(owner, item)
    assert quick is None or quick == verdict
