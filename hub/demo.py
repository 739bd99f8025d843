"""The demo coalition that `make run` loads: fictional members of a Latin-American coalition.

Idempotent: everything is looked up by its natural key first, so a second run changes nothing.
Demo API keys have known values (printed by `load_demo`) so the README's curl walk-through
works; they exist only where someone ran the demo loader.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models, transaction

from kernel.vocabulary import TLP
from members.models import APIKey, Organization, Scope, User, hash_api_key

DEMO_PASSWORD = "atalaya-demo"
STAFF_EMAIL = "staff@atalaya.demo"


@dataclass(frozen=True)
class DemoOrg:
    slug: str
    name: str
    kind: str
    country: str


DEMO_ORGS = [
    DemoOrg("liga-andina", "Liga Andina de Fútbol", "rightsholder", "PE"),
    DemoOrg("musica-unida", "Música Unida LatAm", "industry_group", "MX"),
    DemoOrg("andes-telecom", "Andes Telecom", "telco", "PE"),
    DemoOrg("pacifico-fibra", "Pacífico Fibra", "telco", "PE"),
    DemoOrg("rede-verde", "Rede Verde Telecom", "telco", "BR"),
    DemoOrg("apin", "Autoridad de Propiedad Intelectual (demo)", "regulator", "PE"),
    DemoOrg("atel-br", "Agência de Telecomunicações (demo)", "regulator", "BR"),
    DemoOrg("pagoseguro", "PagoSeguro", "intermediary", "CL"),
]


def demo_key(slug: str) -> str:
    return f"ata_demo_{slug}"


@transaction.atomic
def load_demo() -> list[tuple[str, str]]:
    """Creates what is missing; returns the sign-ins as (e-mail, organisation) pairs."""
    sign_ins: list[tuple[str, str]] = []
    staff, created = User.objects.get_or_create(
        email=STAFF_EMAIL,
        defaults={"is_staff": True, "is_superuser": True, "full_name": "Secretariat"},
    )
    if created:
        staff.set_password(DEMO_PASSWORD)
        staff.save()
    sign_ins.append((STAFF_EMAIL, "secretariat (hub staff)"))
    for d in DEMO_ORGS:
        org, _ = Organization.objects.get_or_create(
            slug=d.slug, defaults={"name": d.name, "kind": d.kind, "country": d.country}
        )
        for role in (User.Role.ADMIN, User.Role.ANALYST):
            email = f"{role}@{d.slug}.demo"
            user, created = User.objects.get_or_create(
                email=email, defaults={"organization": org, "role": role}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save()
            sign_ins.append((email, f"{d.slug} {role}"))
        plain = demo_key(d.slug)
        APIKey.objects.get_or_create(
            hashed_key=hash_api_key(plain),
            defaults={
                "organization": org,
                "name": "demo key",
                "prefix": plain[:12],
                "scopes": list(Scope.values),
            },
        )
    # Two-factor sign-in is required of org admins and staff: the demo gives them a known
    # authenticator secret (members.otp_demo), so `make run` stays usable.
    from members.otp_demo import ensure_demo_device

    for user in User.objects.filter(email__endswith=".demo").filter(
        models.Q(role=User.Role.ADMIN) | models.Q(is_staff=True)
    ):
        ensure_demo_device(user)
    _load_agreements_and_reports()
    _load_orders()
    return sign_ins


DEMO_AGREEMENTS = [
    # (title, parties, categories, jurisdictions, max_tlp, share identity, share evidence)
    (
        "Peru live sports MOU",
        ["liga-andina", "andes-telecom", "pacifico-fibra", "apin"],
        ["live_sports", "iptv"],
        ["PE"],
        TLP.AMBER,
        True,
        True,
    ),
    (
        "Brazil music and stream-ripping MOU",
        ["musica-unida", "rede-verde", "atel-br"],
        ["stream_ripping", "streaming_site"],
        ["BR"],
        TLP.GREEN,
        False,
        False,
    ),
]

DEMO_REPORTS = [
    # (owner, title, category, tlp, jurisdictions, indicators)
    (
        "liga-andina",
        "Derby restreamed on a mirror network",
        "live_sports",
        TLP.AMBER,
        ["PE"],
        [("domain", "futbol-libre-demo.example"), ("ipv4", "198.51.100.23")],
    ),
    (
        "liga-andina",
        "IPTV panel reselling the league's channels",
        "iptv",
        TLP.AMBER,
        ["PE"],
        [("iptv_panel", "panel.tv-andina-demo.example:8080")],
    ),
    (
        "musica-unida",
        "Stream-ripping site converting music videos",
        "stream_ripping",
        TLP.GREEN,
        ["BR"],
        [("url", "https://ripper-demo.example/convert")],
    ),
    (
        "pacifico-fibra",
        "Public list of pirate sports domains",
        "live_sports",
        TLP.CLEAR,
        [],
        [("domain", "rojadirecta-demo.example")],
    ),
]


def _load_agreements_and_reports() -> None:
    # Imported here: hub.demo is imported by a management command before any report exists.
    from members import services as member_services
    from members.models import Agreement
    from members.services import Actor
    from reports.indicators import normalise
    from reports.models import Report
    from reports.services import IndicatorInput, ReportInput, report_submit

    orgs = {o.slug: o for o in Organization.objects.all()}
    for title, parties, categories, jurisdictions, max_tlp, identity, evidence in DEMO_AGREEMENTS:
        if Agreement.objects.filter(title=title).exists():
            continue
        agreement = member_services.agreement_propose(
            actor=Actor.system(),
            title=title,
            parties=[orgs[p] for p in parties],
            categories=categories,
            jurisdictions=jurisdictions,
            max_tlp=max_tlp,
            share_reporter_identity=identity,
            share_evidence=evidence,
        )
        for slug in parties:
            admin = User.objects.get(email=f"admin@{slug}.demo")
            member_services.agreement_sign(actor=Actor(user=admin), agreement=agreement)
    for owner, title, category, tlp, jurisdictions, indicators in DEMO_REPORTS:
        if Report.objects.filter(owner__slug=owner, title=title).exists():
            continue
        analyst = User.objects.get(email=f"analyst@{owner}.demo")
        report_submit(
            actor=Actor(user=analyst),
            data=ReportInput(
                category=category,
                title=title,
                tlp=tlp,
                jurisdictions=jurisdictions,
                indicators=[IndicatorInput(k, v, normalise(k, v)) for k, v in indicators],
            ),
        )


DEMO_ORDERS = [
    # (issuer, reference, legal basis, targets, minutes to comply, hours in force or None,
    #  confidential, reports relied on (titles))
    (
        "apin",
        "APIN-BLQ-2026-0101",
        "Resolución 0101-2026/CDA-APIN (medida cautelar, partido en vivo)",
        [("domain", "futbol-libre-demo.example"), ("ipv4", "198.51.100.23")],
        30,
        3,
        False,
        ["Derby restreamed on a mirror network"],
    ),
    (
        "apin",
        "APIN-BLQ-2026-0077",
        "Resolución 0077-2026/CDA-APIN (bloqueo dinámico, temporada 2026)",
        [("domain", "rojadirecta-demo.example"), ("domain", "tv-andina-demo.example")],
        24 * 60,
        None,
        False,
        ["Public list of pirate sports domains"],
    ),
    (
        "atel-br",
        "ATEL-2026-BR-0031",
        "Despacho 31/2026, art. 3 (ordem de bloqueio confidencial)",
        [("domain", "ripper-demo.example")],
        120,
        None,
        True,
        [],
    ),
]


def _load_orders() -> None:
    from datetime import timedelta

    from django.utils import timezone

    from enforcement.models import BlockingOrder
    from enforcement.services import OrderInput, TargetInput, order_issue
    from members.services import Actor
    from reports.indicators import normalise
    from reports.models import Report

    for issuer, reference, basis, targets, minutes, hours, confidential, titles in DEMO_ORDERS:
        if BlockingOrder.objects.filter(issuer__slug=issuer, reference=reference).exists():
            continue
        analyst = User.objects.get(email=f"analyst@{issuer}.demo")
        now = timezone.now()
        order_issue(
            actor=Actor(user=analyst),
            data=OrderInput(
                reference=reference,
                legal_basis=basis,
                country=str(analyst.organization.country),
                targets=[TargetInput(k, normalise(k, v)) for k, v in targets],
                deadline=now + timedelta(minutes=minutes),
                valid_until=now + timedelta(hours=hours) if hours else None,
                reports=list(
                    Report.objects.visible_to(analyst.organization)
                    .filter(title__in=titles)
                    .values_list("pk", flat=True)
                ),
                confidential=confidential,
            ),
        )
