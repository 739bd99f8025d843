"""The demo coalition that `make run` loads: fictional members of a Latin-American coalition.

Idempotent: everything is looked up by its natural key first, so a second run changes nothing.
Demo API keys have known values (printed by `load_demo`) so the README's curl walk-through
works; they exist only where someone ran the demo loader.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

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
    return sign_ins
