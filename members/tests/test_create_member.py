"""`manage.py create_member`: the secretariat's onboarding tool, as docs/contract.md says."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from members.models import APIKey, Organization, User

pytestmark = pytest.mark.django_db


def create_member(*args: str) -> str:
    out = StringIO()
    call_command("create_member", *args, stdout=out)
    return out.getvalue()


def test_create_member_prints_the_slug_and_a_working_all_scope_key(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        out = create_member(
            "--slug",
            "indecopi",
            "--name",
            "INDECOPI",
            "--kind",
            "regulator",
            "--country",
            "pe",
            "--admin-email",
            "Admin@Indecopi.example",
            "--json",
        )
    result = json.loads(out)
    assert result["slug"] == "indecopi"
    org = Organization.objects.get(slug="indecopi")
    assert (org.kind, org.country.code) == ("regulator", "PE")
    admin = User.objects.get(organization=org)
    assert (admin.email, admin.role, admin.has_usable_password()) == (
        "admin@indecopi.example",
        "admin",
        False,
    )
    assert "set-password" in mailoutbox[0].body
    assert APIKey.objects.get(organization=org).scopes == ["admin", "read", "write"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {result['api_key']}")
    assert client.get("/api/v1/organizations/indecopi/").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "pirate"], "Unknown kind 'pirate'"),
        (["--country", "XX"], "'XX' is not an ISO 3166-1 alpha-2 country code"),
        (["--country", "PER"], "'PER' is not an ISO 3166-1 alpha-2 country code"),
        (["--slug", "not a slug"], "slug"),
        (["--slug", "manage"], "'manage' is reserved"),
    ],
)
def test_create_member_refuses_bad_input_and_creates_nothing(args, message):
    base = {"--slug": "m1", "--name": "M1", "--kind": "telco", "--country": "PE"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    with pytest.raises(CommandError, match=message):
        create_member(*[x for pair in base.items() for x in pair])
    assert not Organization.objects.exists()
    assert not APIKey.objects.exists()


def test_create_member_refuses_a_duplicate_slug(owner):
    with pytest.raises(CommandError, match="slug 'owner' already exists"):
        create_member("--slug", "owner", "--name", "X", "--kind", "telco", "--country", "PE")
    assert Organization.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_create_member_exits_non_zero_with_a_clear_message_from_the_shell():
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    )
    cmd = [
        sys.executable,
        "manage.py",
        "create_member",
        "--slug",
        "a",
        "--name",
        "A",
        "--kind",
        "telco",
        "--country",
        "PE",
        "--json",
    ]
    ok = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["slug"] == "a"
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    assert again.returncode != 0
    assert "slug 'a' already exists" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_create_member_json_is_the_only_thing_on_stdout_when_the_invitation_is_printed():
    # The console e-mail backend (the default) prints the invitation to stdout when it sends
    # it; a script that reads the key from --json must still get JSON alone there.
    db = settings.DATABASES["default"]
    env = dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )
    cmd = [
        sys.executable,
        "manage.py",
        "create_member",
        "--slug",
        "indecopi",
        "--name",
        "INDECOPI",
        "--kind",
        "regulator",
        "--country",
        "PE",
        "--admin-email",
        "admin@indecopi.example",
        "--json",
    ]

    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["slug"] == "indecopi"
    assert APIKey.objects.get(organization__slug="indecopi").prefix in result["api_key"]
    # The secretariat still sees the invitation (on stderr), as the console backend promises.
    assert "admin@indecopi.example" in done.stderr and "set-password" in done.stderr
