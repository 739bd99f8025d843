from django.core.management.base import BaseCommand

from hub.demo import DEMO_ORGS, DEMO_PASSWORD, demo_key, load_demo


class Command(BaseCommand):
    help = "Load the demo coalition (idempotent) and print its sign-ins."

    def handle(self, *args, **options):
        sign_ins = load_demo()
        self.stdout.write(self.style.SUCCESS("Demo coalition ready. Sign in with:"))
        for email, what in sign_ins:
            self.stdout.write(f"  {email:34} {DEMO_PASSWORD}   ({what})")
        self.stdout.write("Demo API keys (all scopes):")
        for d in DEMO_ORGS:
            self.stdout.write(f"  {d.slug:16} {demo_key(d.slug)}")
