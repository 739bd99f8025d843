"""The secretariat's onboarding tool (docs/contract.md, "People and keys")."""

import contextlib
import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from members import services
from members.models import Organization, Scope, User


class Command(BaseCommand):
    help = "Create a member organisation (and its admin user) with an API key holding all scopes."

    def add_arguments(self, parser):
        parser.add_argument("--slug", required=True)
        parser.add_argument("--name", required=True)
        parser.add_argument("--kind", required=True, help=", ".join(Organization.Kind.values))
        parser.add_argument("--country", required=True, help="ISO 3166-1 alpha-2 code")
        parser.add_argument("--admin-email", help="creates an org admin and e-mails an invitation")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args, **opts):
        slug, name, kind, country = opts["slug"], opts["name"], opts["kind"], opts["country"]
        admin_email = opts["admin_email"]
        actor = services.Actor.system()
        if Organization.objects.filter(slug=slug).exists():
            raise CommandError(f"An organisation with slug '{slug}' already exists.")
        if admin_email and User.objects.filter(email__iexact=admin_email).exists():
            raise CommandError(f"Someone with e-mail '{admin_email}' already has an account.")
        # stdout carries the command's result alone (a script parses the --json line). The
        # invitation is sent when the transaction commits, and the console e-mail backend (the
        # default) prints it to whatever sys.stdout is at that moment: while the work runs,
        # that is stderr. self.stdout was bound to the real stdout before, so the result still
        # goes there.
        try:
            with contextlib.redirect_stdout(sys.stderr), transaction.atomic():
                org = services.organization_create(
                    actor=actor, slug=slug, name=name, kind=kind, country=country
                )
                if admin_email:
                    services.user_invite(
                        actor=actor, organization=org, email=admin_email, role=User.Role.ADMIN
                    )
                _key, plain = services.api_key_create(
                    actor=actor,
                    organization=org,
                    name="created by create_member",
                    scopes=Scope.values,
                )
        except ValidationError as e:
            raise CommandError(_describe(e)) from e
        if opts["json"]:
            self.stdout.write(json.dumps({"slug": org.slug, "api_key": plain}))
        else:
            self.stdout.write(f"Created {org.name} ({org.slug}). API key (shown once): {plain}")


def _describe(error: ValidationError) -> str:
    if hasattr(error, "message_dict"):
        return " ".join(f"{field}: {' '.join(msgs)}" for field, msgs in error.message_dict.items())
    return " ".join(error.messages)
