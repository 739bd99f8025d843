from django.core.management.base import BaseCommand

from hub.demo import DEMO_ORGS, DEMO_PASSWORD, demo_key, load_demo
from members.otp_demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Load the demo coalition (idempotent) and print its sign-ins."

    def handle(self, *args, **options):
        sign_ins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo coalition ready. Sign in with:"))
        for email, what in sign_ins:
            self.stdout.write(f"  {email:34} {DEMO_PASSWORD}   ({what})")
        self.stdout.write(
            f"Org admins and staff also give a second factor: add the secret {DEMO_TOTP_SECRET}\n"
            "  to an authenticator app, or print the current code with\n"
            "  .venv/bin/python manage.py demo_totp admin@liga-andina.demo"
        )
        self.stdout.write("Demo API keys (all scopes):")
        for d in DEMO_ORGS:
            self.stdout.write(f"  {d.slug:16} {demo_key(d.slug)}")
