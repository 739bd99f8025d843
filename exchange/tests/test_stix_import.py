"""STIX objects posted by a member become its reports, under the same rules as every other
entry path (docs/stix.md, "Import"). The owner posts, the co-party shares an agreement with it,
the outsider shares none. Jobs are run directly (`import_run`); the TAXII tests prove the same
path through a live server and a real client."""

from __future__ import annotations

import uuid

import pytest

from exchange.imports import import_run, import_submit
from exchange.models import ImportedObject, TaxiiSource
from kernel.vocabulary import TLP
from notifications.models import Event
from reports.models import Report
from reports.stix.extension import EXTENSION_ID
from reports.tests.factories import agreement_between, report_by

from .stix_import_helpers import (
    CREATED,
    OPENCTI_AMBER_STRICT,
    TLP1,
    TLP2,
    agreement,
    failure,
    indicator,
    new_report,
    post,
    poster,
    sighting,
    values,
)

__all__ = ["agreement", "poster"]  # fixtures


# --- indicators ------------------------------------------------------------------------------


def test_an_or_of_equalities_becomes_one_report_the_coparty_sees_and_the_outsider_does_not(
    poster, agreement, owner, coparty, outsider
):
    job = post(
        poster,
        [
            indicator(
                "[domain-name:value = 'Pirate.Example'] OR [url:value = 'http://pirate.example/live?utm_source=x']"
                " OR [ipv4-addr:value = '10.1.2.3/8' OR ipv6-addr:value = '2001:DB8::1']",
                name="Restream of the final",
            )
        ],
        agreement,
    )
    assert job.status == "complete" and (job.success_count, job.failure_count) == (1, 0)
    assert job.pending_count == 0 and job.details["pendings"] == []
    report = new_report(job)
    assert report.owner == owner and report.title == "Restream of the final"
    # Normalised as every entry path does; a CIDR in an address type is a network.
    assert values(report) == [
        ("domain", "pirate.example"),
        ("url", "http://pirate.example/live"),
        ("cidr", "10.0.0.0/8"),
        ("ipv6", "2001:db8::1"),
    ]
    assert list(report.restricted_to.all()) == [agreement]
    assert report.jurisdictions == ["PE"]  # the agreement's: shared where it was posted
    assert Report.objects.visible_to(coparty).filter(pk=report.pk).exists()
    assert not Report.objects.visible_to(outsider).filter(pk=report.pk).exists()


def test_the_extensions_sco_types_become_their_kinds(poster, agreement):
    job = post(
        poster,
        [
            indicator(
                "[atalaya-app-id:value = 'com.pirate.tv'] OR [atalaya-watermark-id:value = 'WM-1']"
                " OR [atalaya-payment-account:value = 'PayPal:pirate@example.com']"
            )
        ],
        agreement,
    )
    kinds = [kind for kind, _ in values(new_report(job))]
    assert kinds == ["app_id", "watermark_id", "payment_account"]


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("[domain-name:value = 'a.example' AND url:value = 'http://a.example/']", "AND"),
        ("[domain-name:value = 'a.example'] AND [domain-name:value = 'b.example']", "AND"),
        ("[domain-name:value != 'a.example']", "operator !="),
        ("[domain-name:value LIKE '%.example']", "operator LIKE"),
        ("[domain-name:value = 'a.example'] WITHIN 5 SECONDS", "qualifier WITHIN"),
        ("[file:hashes.'SHA-256' = 'ab']", "type file"),
        ("[url:scheme = 'http']", "url:scheme"),
        ("[domain-name:value = 'not a domain']", "invalid domain-name value"),
        ("[domain-name:value = 'a.example'", "ends too early"),
    ],
)
def test_anything_but_an_or_of_equalities_on_our_types_fails_saying_why(
    poster, agreement, pattern, why
):
    job = post(poster, [indicator(pattern)], agreement)
    assert why in failure(job)
    assert not Report.objects.exists() and not ImportedObject.objects.exists()


def test_objects_of_other_types_fail_and_context_objects_are_accepted(poster, agreement, owner):
    job = post(
        poster,
        [
            {"type": "malware", "id": f"malware--{uuid.uuid4()}", "created": CREATED},
            {"type": "identity", "id": f"identity--{owner.stix_id}", "created": CREATED},
            {"type": "relationship", "id": f"relationship--{uuid.uuid4()}", "created": CREATED},
        ],
        agreement,
    )
    (malware,) = job.details["failures"]
    assert "objects of type malware are not imported" in malware["message"]
    assert job.success_count == 2 and not Report.objects.exists()


def test_a_report_object_names_the_indicators_it_refers_to(poster, agreement):
    first = indicator("[domain-name:value = 'a.example']", labels=[])
    report = {
        "type": "report",
        "id": f"report--{uuid.uuid4()}",
        "created": CREATED,
        "name": "Final weekend",
        "description": "Seen during the final",
        "published": CREATED,
        "object_refs": [first["id"]],
        "extensions": {EXTENSION_ID: {"extension_type": "property-extension", "category": "iptv"}},
    }
    job = post(poster, [report, first], agreement)
    stored = Report.objects.get()
    assert (stored.title, stored.description, stored.category) == (
        "Final weekend",
        "Seen during the final",
        "iptv",
    )
    assert job.failure_count == 0


# --- category --------------------------------------------------------------------------------


def test_the_category_comes_from_the_extension_then_labels_then_the_agreement(
    poster, owner, coparty
):
    single = agreement_between(owner, coparty, categories=["torrent"], max_tlp=TLP.AMBER)
    ext = {EXTENSION_ID: {"extension_type": "property-extension", "category": "torrent"}}
    by_extension = indicator("[domain-name:value = 'a.example']", labels=["iptv"], extensions=ext)
    by_label = indicator("[domain-name:value = 'b.example']", labels=["malicious", "torrent"])
    by_agreement = indicator("[domain-name:value = 'c.example']", labels=[])
    job = post(poster, [by_extension, by_label, by_agreement], single)
    assert job.failure_count == 0, job.details
    assert set(Report.objects.values_list("category", flat=True)) == {"torrent"}


def test_no_category_fails(poster, agreement):
    job = post(poster, [indicator("[domain-name:value = 'a.example']", labels=[])], agreement)
    assert failure(job).startswith("no category")


def test_a_category_the_agreement_does_not_share_fails(poster, owner, coparty):
    torrents = agreement_between(owner, coparty, categories=["torrent"], max_tlp=TLP.AMBER)
    job = post(poster, [indicator("[domain-name:value = 'a.example']")], torrents)
    assert failure(job) == "category live_sports is not shared under this agreement"


# --- TLP -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("marking", "level"),
    [
        *[(ref, tlp) for tlp, ref in TLP2.items() if tlp != TLP.RED],
        *[(ref, tlp) for tlp, ref in TLP1.items() if tlp != TLP.RED],
        (OPENCTI_AMBER_STRICT, TLP.AMBER_STRICT),
    ],
)
def test_tlp_ids_of_all_three_families_import_to_their_level(
    poster, owner, coparty, marking, level
):
    strict = agreement_between(owner, coparty, max_tlp=TLP.AMBER_STRICT)
    job = post(
        poster,
        [indicator("[domain-name:value = 'a.example']", object_marking_refs=[marking])],
        strict,
    )
    assert new_report(job).tlp == level


def test_a_marking_known_only_by_its_name_in_the_envelope_and_the_most_restrictive_wins(
    poster, owner, coparty
):
    strict = agreement_between(owner, coparty, max_tlp=TLP.AMBER_STRICT)
    custom = {
        "type": "marking-definition",
        "id": f"marking-definition--{uuid.uuid4()}",
        "created": CREATED,
        "name": "TLP:AMBER+STRICT",
    }
    unknown = f"marking-definition--{uuid.uuid4()}"  # another scheme: ignored
    job = post(
        poster,
        [
            custom,
            indicator(
                "[domain-name:value = 'a.example']",
                object_marking_refs=[TLP2[TLP.GREEN], custom["id"], unknown],
            ),
        ],
        strict,
    )
    assert Report.objects.get().tlp == TLP.AMBER_STRICT and job.failure_count == 0


def test_no_marking_takes_the_agreements_ceiling(poster, owner, coparty):
    green = agreement_between(owner, coparty, max_tlp=TLP.GREEN)
    job = post(poster, [indicator("[domain-name:value = 'a.example']")], green)
    assert new_report(job).tlp == TLP.GREEN


def test_a_marking_above_the_agreements_ceiling_fails(poster, agreement):
    obj = indicator("[domain-name:value = 'a.example']", object_marking_refs=[TLP1[TLP.GREEN]])
    obj["object_marking_refs"].append(OPENCTI_AMBER_STRICT)
    job = post(poster, [obj], agreement)
    assert failure(job) == "TLP:AMBER+STRICT is above this agreement's ceiling (TLP:AMBER)"


def test_red_goes_to_the_agreements_other_parties_only(poster, agreement, coparty, outsider):
    job = post(
        poster,
        [indicator("[domain-name:value = 'a.example']", object_marking_refs=[TLP2[TLP.RED]])],
        agreement,
    )
    report = new_report(job)
    assert report.tlp == TLP.RED and list(report.recipients.all()) == [coparty]
    assert Report.objects.visible_to(coparty).filter(pk=report.pk).exists()
    assert not Report.objects.visible_to(outsider).filter(pk=report.pk).exists()


def test_without_an_agreement_the_member_shares_as_usual_and_red_fails(poster):
    red = indicator("[domain-name:value = 'b.example']", object_marking_refs=[TLP1[TLP.RED]])
    job = post(poster, [indicator("[domain-name:value = 'a.example']"), red], None)
    (_imported,), (refused,) = job.details["successes"], job.details["failures"]
    report = Report.objects.get()
    assert report.tlp == TLP.AMBER and not report.restricted_to.exists()
    assert refused["id"] == red["id"] and "TLP:RED" in refused["message"]


# --- who says it -----------------------------------------------------------------------------


def test_created_by_ref_must_be_the_posters_own_identity(poster, agreement, owner, coparty):
    mine = indicator(
        "[domain-name:value = 'a.example']", created_by_ref=f"identity--{owner.stix_id}"
    )
    theirs = indicator(
        "[domain-name:value = 'b.example']", created_by_ref=f"identity--{coparty.stix_id}"
    )
    job = post(poster, [mine, theirs], agreement)
    assert [d["id"] for d in job.details["successes"]] == [mine["id"]]
    assert job.details["failures"] == [
        {
            "id": theirs["id"],
            "version": CREATED,
            "message": "created_by_ref must be your own identity",
        }
    ]


# --- sightings -------------------------------------------------------------------------------


def test_a_sighting_of_a_visible_indicator_corroborates_it(poster, agreement, owner, coparty):
    theirs = report_by(coparty, indicators=[("domain", "seen.example")], category="iptv")
    ref = f"indicator--{theirs.indicators.get().stix_id}"
    job = post(poster, [sighting(ref)], agreement)
    report = new_report(job)
    assert report.owner == owner and report.category == "iptv"
    assert values(report) == [("domain", "seen.example")]
    # Announced as every corroboration: the submission's event, which dedup links to targets.
    assert Event.objects.filter(type="report.shared", subject_ids__contains=[report.pk]).exists()


def test_a_sighting_of_a_hidden_indicator_fails_exactly_like_an_unknown_one(
    poster, agreement, outsider
):
    hidden = report_by(outsider, indicators=[("domain", "hidden.example")])
    hidden_ref = f"indicator--{hidden.indicators.get().stix_id}"
    job = post(poster, [sighting(hidden_ref), sighting(f"indicator--{uuid.uuid4()}")], agreement)
    messages = [d["message"] for d in job.details["failures"]]
    assert messages == ["sighting_of_ref names an unknown indicator"] * 2
    assert Report.objects.filter(owner=poster.organization).count() == 0


def test_a_sighting_of_an_indicator_posted_beside_it_or_before(poster, agreement):
    posted = indicator("[url:value = 'http://a.example/x']", labels=["torrent"])
    job = post(poster, [sighting(posted["id"]), posted], agreement)
    assert job.failure_count == 0, job.details
    later = post(poster, [sighting(posted["id"])], agreement)
    assert later.failure_count == 0
    assert Report.objects.filter(category="torrent").count() == 3


def test_objects_polled_from_the_members_own_server_may_name_its_local_identity(poster, owner):
    """OpenCTI and MISP set created_by_ref to their own identity: the member registered that
    server to speak for it, so polling does not refuse what posting would."""
    source = TaxiiSource.objects.create(
        organization=owner,
        title="Our OpenCTI",
        api_root_url="https://cti.owner.example/taxii2/root/",
        collection_id="c1",
    )
    local = indicator(
        "[domain-name:value = 'polled.example']",
        created_by_ref="identity--7e1ab1c5-5f2b-4a8e-9d3c-2b6f0f8f4a11",
    )
    job = import_run(import_submit(actor=poster, objects=[local], agreement=None, source=source).id)
    assert values(new_report(job)) == [("domain", "polled.example")]
