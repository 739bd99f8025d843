"""E-mail from notifications reaches each admin in their own language (User.language), with
the hub's default for anyone without one; what the hub keeps stays English."""

import pytest

from members.tests.factories import UserFactory
from notifications import delivery, fanout
from notifications.models import Event, NotificationSettings, WebhookEndpoint
from reports import dedup
from reports.events import ReportEvent
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(owner, coparty):
    return agreement_between(owner, coparty, categories=["live_sports"], jurisdictions=["PE"])


def shared_report_event(owner) -> Event:
    report_by(owner)
    event = Event.objects.filter(type=ReportEvent.SHARED).latest("pk")
    dedup.link_reports(event.subject_ids)
    fanout.fan_out(event)
    return event


def by_recipient(mailoutbox) -> dict[str, object]:
    return {address: mail for mail in mailoutbox for address in mail.to}


def test_an_admin_reading_spanish_gets_the_event_email_in_spanish_and_a_colleague_english(
    owner, coparty, shared, mailoutbox
):
    UserFactory(organization=coparty, role="admin", email="ana@coparty.example", language="es")
    UserFactory(organization=coparty, role="admin", email="bob@coparty.example", language="en")
    UserFactory(organization=coparty, role="admin", email="cy@coparty.example", language="")
    NotificationSettings.objects.create(organization=coparty, email_enabled=True)
    event = shared_report_event(owner)

    fanout.email_immediately(event)

    mails = by_recipient(mailoutbox)
    assert len(mailoutbox) == 2  # one per language, not one per person
    assert mails["bob@coparty.example"] is mails["cy@coparty.example"]  # no language: English
    spanish, english = mails["ana@coparty.example"], mails["bob@coparty.example"]
    assert spanish.subject == "[Atalaya] Se compartió un reporte con la organización"
    assert "1 elemento en la bandeja de entrada de Atalaya" in spanish.body
    assert english.subject == "[Atalaya] A report was shared with you"
    assert "1 item in your Atalaya inbox" in english.body
    assert "A restream" not in spanish.body + english.body  # titles never leave the hub
    fanout.email_immediately(event)
    assert len(mailoutbox) == 2  # claimed: a re-run sends nothing


def test_a_digest_reaches_an_admin_reading_brazilian_portuguese_in_portuguese(
    owner, coparty, shared, mailoutbox
):
    UserFactory(organization=coparty, role="admin", email="bia@coparty.example", language="pt-br")
    NotificationSettings.objects.create(
        organization=coparty, email_enabled=True, email_digest="daily"
    )
    report_by(owner, indicators=[("domain", "one.example")])
    fanout.fan_out(Event.objects.filter(type=ReportEvent.SHARED).latest("pk"))
    report_by(owner, indicators=[("domain", "two.example")])
    fanout.fan_out(Event.objects.filter(type=ReportEvent.SHARED).latest("pk"))

    assert fanout.send_digests("daily") == 1

    mail = by_recipient(mailoutbox)["bia@coparty.example"]
    assert mail.to == ["bia@coparty.example"]  # the admin who signed the agreement reads English
    assert mail.subject == "[Atalaya] 2 novas notificações"
    assert mail.body == "2 novos itens estão na caixa de entrada do Atalaya."


def test_a_disabled_endpoint_is_explained_in_each_admins_language_and_kept_in_english(
    coparty, mailoutbox
):
    UserFactory(organization=coparty, role="admin", email="ana@coparty.example", language="es")
    endpoint = WebhookEndpoint.objects.create(
        organization=coparty, url="https://hooks.coparty.example/in", secret="whsec_" + "A" * 43
    )

    delivery._disable(endpoint, delivery.FAILED_IN_A_ROW, count=5)

    endpoint.refresh_from_db()
    assert endpoint.disabled_reason == "5 deliveries in a row failed"
    (mail,) = mailoutbox
    assert mail.subject == "[Atalaya] Se desactivó un destino de webhook"
    assert "https://hooks.coparty.example/in" in mail.body
    assert "5 entregas seguidas fallaron" in mail.body
