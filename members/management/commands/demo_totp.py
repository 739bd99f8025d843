"""Prints the current two-factor code of a person's authenticator app, for trying the demo
without a phone. Refused unless DEBUG is on: on a real hub it would defeat the second factor."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current TOTP code of a person's authenticator app (DEBUG only: demos)."

    def add_arguments(self, parser):
        parser.add_argument("email")

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("demo_totp only works with DEBUG on (a development hub).")
        devices = TOTPDevice.objects.filter(
            user__email__iexact=options["email"], confirmed=True
        ).order_by("id")
        if not devices:
            raise CommandError(f"{options['email']} has no authenticator app.")
        for device in devices:
            totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
            code = str(totp.token()).zfill(device.digits)
            left = device.step - int(totp.time - device.t0) % device.step
            self.stdout.write(f"{code}  ({device.name}; good for {left} more seconds)")
