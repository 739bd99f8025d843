"""The agreements pages of the portal: list, detail, propose, sign, suspend, terminate.

Agreements are private to their parties: an outsider gets the same 404 as for a missing one.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kernel.vocabulary import TLP
from members import services
from members.models import Agreement, AuditEvent, Organization, User
from members.services import Actor
from members.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def member(org: Organization, role: str = "analyst") -> User:
    return UserFactory(organization=org, role=role)


def signed_in(org: Organization, role: str = "admin") -> Client:
    client = Client()
    client.force_login(member(org, role))
    return client


def proposed(*orgs: Organization, **terms) -> Agreement:
    proposer, *others = orgs
    return services.agreement_propose(
        actor=Actor(user=member(proposer, "admin")),
        title=terms.pop("title", "Peru live sports MOU"),
        parties=list(others),
        categories=terms.pop("categories", ["live_sports"]),
        jurisdictions=terms.pop("jurisdictions", ["PE"]),
        max_tlp=terms.pop("max_tlp", TLP.AMBER),
        **terms,
    )


def active(*orgs: Organization, **terms) -> Agreement:
    agreement = proposed(*orgs, **terms)
    for org in orgs[1:]:
        agreement = services.agreement_sign(
            actor=Actor(user=member(org, "admin")), agreement=agreement
        )
    return agreement


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_an_admin_proposes_the_other_partys_admin_signs_and_the_agreement_is_active(
    owner, coparty, outsider, owner_admin
):
    client = Client()
    client.force_login(owner_admin)
    form = page(client.get(reverse("members:agreement_propose")))
    choices = re.findall(r'name="parties" value="(\d+)"', form)
    assert str(coparty.pk) in choices and str(owner.pk) not in choices  # we sign by proposing

    response = client.post(
        reverse("members:agreement_propose"),
        {
            "title": "Peru live sports MOU",
            "parties": [coparty.pk],
            "categories": ["live_sports", "iptv"],
            "jurisdictions": "pe",
            "max_tlp": str(TLP.AMBER.value),
            "share_reporter_identity": "on",
            "expires_on": "2099-12-31",
        },
    )
    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:agreement", args=[agreement.pk])
    assert agreement.status == Agreement.Status.PROPOSED
    assert (agreement.categories, agreement.jurisdictions) == (["iptv", "live_sports"], ["PE"])
    assert agreement.share_reporter_identity and not agreement.share_evidence
    assert agreement.expires_on == datetime.date(2099, 12, 31)

    coparty_admin = signed_in(coparty)
    detail = page(coparty_admin.get(reverse("members:agreement", args=[agreement.pk])))
    assert "not yet signed" in detail
    assert reverse("members:agreement_sign", args=[agreement.pk]) in detail
    signed = coparty_admin.post(reverse("members:agreement_sign", args=[agreement.pk]), follow=True)
    assert "Signed" in " ".join(messages_of(signed))
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE
    assert "not yet signed" not in page(signed)
    assert AuditEvent.objects.filter(
        action="agreement.active", object_id=str(agreement.pk)
    ).exists()

    listing = page(coparty_admin.get(reverse("members:agreements")))
    assert "Peru live sports MOU" in listing and "Active" in listing
    assert "Peru live sports MOU" not in page(
        signed_in(outsider).get(reverse("members:agreements"))
    )


def test_a_non_party_gets_404_on_an_agreements_pages_as_for_a_missing_one(owner, coparty, outsider):
    agreement = active(owner, coparty)
    outsider_admin = signed_in(outsider)
    missing = agreement.pk + 1000
    for pk in (agreement.pk, missing):
        assert outsider_admin.get(reverse("members:agreement", args=[pk])).status_code == 404
        for action in ("agreement_sign", "agreement_suspend", "agreement_terminate"):
            assert outsider_admin.post(reverse(f"members:{action}", args=[pk])).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.ACTIVE


def test_the_detail_shows_parties_with_their_signature_times(owner, coparty, outsider):
    agreement = proposed(owner, coparty, outsider)
    html = page(signed_in(coparty, "viewer").get(reverse("members:agreement", args=[agreement.pk])))
    for org in (owner, coparty, outsider):
        assert org.name in html
    signed_at = timezone.localtime(agreement.party_links.get(organization=owner).signed_at)
    assert f"{signed_at:%Y-%m-%d %H:%M}" in html
    assert html.count("not yet signed") == 2
    assert "<button" not in html.split("<main ")[1]  # a viewer has no action


def test_an_admin_suspends_and_then_terminates_an_active_agreement(owner, coparty, outsider):
    agreement = active(owner, coparty)
    client = signed_in(owner)
    detail = page(client.get(reverse("members:agreement", args=[agreement.pk])))
    assert "Suspend" in detail and "Sign for" not in detail

    suspended = client.post(
        reverse("members:agreement_suspend", args=[agreement.pk]), {"confirm": "yes"}, follow=True
    )
    assert "Suspended" in " ".join(messages_of(suspended))
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.SUSPENDED

    terminated = client.post(
        reverse("members:agreement_terminate", args=[agreement.pk]), {"confirm": "yes"}, follow=True
    )
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.TERMINATED
    assert "Terminated" in " ".join(messages_of(terminated))
    for action in ("agreement_sign", "agreement_suspend", "agreement_terminate"):
        assert reverse(f"members:{action}", args=[agreement.pk]) not in page(terminated)


def test_an_impossible_transition_shows_the_service_error_as_a_message(owner, coparty, outsider):
    agreement = proposed(owner, coparty)
    response = signed_in(coparty).post(
        reverse("members:agreement_suspend", args=[agreement.pk]), {"confirm": "yes"}, follow=True
    )
    assert any("cannot become suspended" in m for m in messages_of(response))
    assert 'class="error"' in page(response)
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PROPOSED


def test_signing_twice_is_refused_with_a_message(owner, coparty, outsider):
    agreement = active(owner, coparty)
    response = signed_in(owner).post(
        reverse("members:agreement_sign", args=[agreement.pk]), follow=True
    )
    assert any("Only a proposed agreement can be signed" in m for m in messages_of(response))


def test_analysts_and_viewers_read_agreements_but_cannot_act_on_them(owner, coparty, outsider):
    agreement = proposed(coparty, owner)
    for role in ("analyst", "viewer"):
        client = signed_in(owner, role)
        assert agreement.title in page(client.get(reverse("members:agreements")))
        assert client.get(reverse("members:agreement_propose")).status_code == 404
        for action in ("agreement_sign", "agreement_suspend", "agreement_terminate"):
            assert client.post(reverse(f"members:{action}", args=[agreement.pk])).status_code == 404
    agreement.refresh_from_db()
    assert agreement.status == Agreement.Status.PROPOSED


def test_the_propose_form_shows_form_and_service_errors_on_their_fields(
    owner, coparty, outsider, owner_admin
):
    suspended = OrganizationFactory(slug="gone", is_suspended=True)
    client = Client()
    client.force_login(owner_admin)
    assert suspended.name not in page(client.get(reverse("members:agreement_propose")))

    response = client.post(
        reverse("members:agreement_propose"),
        {
            "title": "Backwards",
            "parties": [coparty.pk],
            "jurisdictions": "PE, ZZ",
            "max_tlp": str(TLP.GREEN.value),
            "effective_from": "2030-01-10",
            "expires_on": "2030-01-01",
        },
    )
    assert "ZZ" in response.context["form"].errors["jurisdictions"][0]
    assert "PE, ZZ" in page(response)  # kept as typed

    response = client.post(
        reverse("members:agreement_propose"),
        {
            "title": "Backwards",
            "parties": [coparty.pk],
            "max_tlp": str(TLP.GREEN.value),
            "effective_from": "2030-01-10",
            "expires_on": "2030-01-01",
        },
    )
    errors = response.context["form"].errors
    assert errors["expires_on"] == ["The agreement cannot expire before it takes effect."]
    html = page(response)
    assert re.search(r'id="id_expires_on_error"', html) and 'value="2030-01-10"' in html

    response = client.post(
        reverse("members:agreement_propose"), {"title": "Alone", "max_tlp": "1", "parties": []}
    )
    assert "parties" in response.context["form"].errors
    assert not Agreement.objects.exists()


def test_the_agreements_list_shows_status_parties_scope_and_links_to_sharing(
    owner, coparty, outsider
):
    active(owner, coparty, categories=[], jurisdictions=[], max_tlp=TLP.GREEN, title="All of it")
    proposed(owner, outsider, title="Pending one")
    html = page(signed_in(owner, "analyst").get(reverse("members:agreements")))
    assert "All of it" in html and "Pending one" in html
    assert "all categories" in html and "all jurisdictions" in html and "TLP:GREEN" in html
    assert "Live sports restream" in html and "TLP:AMBER" in html
    assert "Proposed" in html and coparty.name in html and outsider.name in html
    assert reverse("reports:sharing") in html
    assert reverse("members:agreement_propose") not in html  # analysts do not propose


def test_an_agreement_past_its_last_day_reads_as_expired(owner, coparty, outsider):
    agreement = active(owner, coparty)
    Agreement.objects.filter(pk=agreement.pk).update(
        effective_from=datetime.date(2020, 1, 1), expires_on=datetime.date(2020, 12, 31)
    )
    html = page(signed_in(owner).get(reverse("members:agreement", args=[agreement.pk])))
    assert "<dd>Expired</dd>" in html


def test_agreement_pages_need_a_sign_in_and_are_not_for_hub_staff(owner, coparty):
    agreement = active(owner, coparty)
    urls = [
        reverse("members:agreements"),
        reverse("members:agreement", args=[agreement.pk]),
        reverse("members:agreement_propose"),
    ]
    client = Client()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    client.force_login(User.objects.create_user("staff@hub.example", "pw", is_staff=True))
    for url in urls:
        assert client.get(url).status_code == 404
