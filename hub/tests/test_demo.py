"""The demo coalition that `make run` loads."""

import pytest
from django.core.management import call_command

from members.models import Agreement, APIKey, Organization, User
from reports.models import Report

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Organization, User, APIKey, Agreement, Report))


def test_loading_the_demo_twice_creates_nothing_new(capsys):
    call_command("load_demo")
    first = counts()
    call_command("load_demo")
    assert counts() == first
    assert first[0] == 8 and first[3] == 2 and first[4] >= 4
    assert "admin@liga-andina.demo" in capsys.readouterr().out


def test_demo_agreements_are_active_and_share_under_the_policy():
    call_command("load_demo")
    assert set(Agreement.objects.values_list("status", flat=True)) == {"active"}
    isp = Organization.objects.get(slug="andes-telecom")
    outsider = Organization.objects.get(slug="pagoseguro")
    league_reports = Report.objects.filter(owner__slug="liga-andina")
    assert Report.objects.visible_to(isp).filter(owner__slug="liga-andina").count() == 2
    assert not Report.objects.visible_to(outsider).filter(pk__in=league_reports).exists()


def test_the_demo_has_blocking_orders_addressed_to_the_telcos_of_their_country():
    from enforcement.models import BlockingOrder, Compliance

    call_command("load_demo")
    call_command("load_demo")
    assert BlockingOrder.objects.count() == 3
    peru = Compliance.objects.filter(order__issuer__slug="apin")
    assert set(peru.values_list("isp__slug", flat=True)) == {"andes-telecom", "pacifico-fibra"}
    assert BlockingOrder.objects.filter(confidential=True).count() == 1
