"""The second step of rotating ATALAYA_SECRETS_KEY (docs/taxii.md, "Rotating the key"): with the
new key first and the old one after it, re-encrypt every stored TAXII source secret under the
new key, so the old one can then be removed."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from exchange import secrets
from exchange.models import TaxiiSource
from members.actors import Actor, audit


class Command(BaseCommand):
    help = "Re-encrypt every TAXII source's stored secret under the first ATALAYA_SECRETS_KEY."

    def handle(self, *args, **opts):
        unreadable: list[int] = []
        with transaction.atomic():
            # Locked: a secret an admin saves meanwhile would otherwise be overwritten with the
            # old one re-encrypted.
            rows = list(
                TaxiiSource.objects.select_for_update()
                .exclude(secret_encrypted="")
                .only("pk", "secret_encrypted")
            )
            for source in rows:
                try:
                    source.secret_encrypted = secrets.reencrypt(source.secret_encrypted)
                except secrets.SecretUnreadable:
                    unreadable.append(source.pk)
            TaxiiSource.objects.bulk_update(rows, ["secret_encrypted"], batch_size=500)
            audit(
                actor=Actor.system(),
                action="taxii_source.secrets_reencrypted",
                data={"sources": len(rows) - len(unreadable), "unreadable": unreadable},
            )
        self.stdout.write(f"{len(rows) - len(unreadable)} secret(s) re-encrypted")
        if unreadable:
            raise CommandError(
                "no configured key opens the secrets of sources "
                + ", ".join(map(str, unreadable))
                + ": keep the old key in ATALAYA_SECRETS_KEY, or have their admins save them again"
            )
