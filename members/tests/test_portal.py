"""The portal shell: sign-in, the directory, and the org admin's keys and people."""

import pytest
from django.urls import reverse

from members import services
from members.models import APIKey, User, hash_api_key
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def sign_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content


def test_a_member_signs_in_and_sees_the_dashboard_and_directory(client, owner, coparty):
    analyst = UserFactory(organization=owner, role="analyst")
    sign_in(client, analyst)
    assert owner.name in client.get(reverse("home")).content.decode()
    page = client.get(reverse("members:directory")).content.decode()
    assert owner.name in page and coparty.name in page


def test_a_wrong_password_is_refused_with_a_form_error(client, owner):
    analyst = UserFactory(organization=owner)
    response = client.post(reverse("login"), {"username": analyst.email, "password": "nope"})
    assert response.status_code == 200
    assert "correct email" in response.content.decode().lower()


def test_a_member_of_a_suspended_organisation_cannot_sign_in(client, owner):
    analyst = UserFactory(organization=owner)
    services.organization_set_suspended(
        actor=services.Actor.system(), organization=owner, suspended=True
    )
    response = client.post(reverse("login"), {"username": analyst.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, not a redirect


def test_suspension_ends_an_open_session(client, owner):
    analyst = UserFactory(organization=owner)
    sign_in(client, analyst)
    services.organization_set_suspended(
        actor=services.Actor.system(), organization=owner, suspended=True
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_pages_need_a_sign_in(client, db):
    for name in ("home", "members:directory", "members:manage"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_an_org_admin_creates_a_key_sees_it_once_and_it_works(client, owner_admin):
    sign_in(client, owner_admin)
    response = client.post(
        reverse("members:manage"), {"key-name": "SIEM", "key-scopes": ["read", "write"]}
    )
    page = response.content.decode()
    key = APIKey.objects.get(organization=owner_admin.organization)
    plain = page.split('id="new-key">')[1].split("<")[0]
    assert key.hashed_key == hash_api_key(plain)
    assert key.scopes == ["read", "write"] and key.created_by == owner_admin
    assert plain not in client.get(reverse("members:manage")).content.decode()


def test_a_key_form_with_no_scope_shows_a_field_error(client, owner_admin):
    sign_in(client, owner_admin)
    response = client.post(reverse("members:manage"), {"key-name": "SIEM"})
    assert "This field is required" in response.content.decode()
    assert not APIKey.objects.exists()


def test_an_org_admin_revokes_a_key(client, owner_admin):
    key, _ = services.api_key_create(
        actor=services.Actor.system(), organization=owner_admin.organization, name="k"
    )
    sign_in(client, owner_admin)
    client.post(reverse("members:revoke_key", args=[key.pk]), {"confirm": "yes"})
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_an_org_admin_cannot_revoke_another_organisations_key(client, owner_admin, outsider):
    key, _ = services.api_key_create(actor=services.Actor.system(), organization=outsider, name="k")
    sign_in(client, owner_admin)
    assert client.post(reverse("members:revoke_key", args=[key.pk])).status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_an_org_admin_invites_a_colleague_who_sets_a_password(
    client, owner_admin, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, owner_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:manage"),
            {"invite-email": "new@owner.example", "invite-role": "viewer", "invite-full_name": "N"},
        )
    assert response.status_code == 302
    invited = User.objects.get(email="new@owner.example")
    assert (invited.organization, invited.role) == (owner_admin.organization, "viewer")
    link = next(line for line in mailoutbox[0].body.splitlines() if "set-password" in line)
    path = link.split("localhost:8000")[1]
    client.post(reverse("logout"))
    form = client.get(path, follow=True)
    assert form.status_code == 200
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else path,
        {"new_password1": "a much longer secret 42", "new_password2": "a much longer secret 42"},
    )
    assert done.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password("a much longer secret 42")


def test_inviting_an_existing_address_shows_a_field_error(client, owner_admin):
    sign_in(client, owner_admin)
    response = client.post(
        reverse("members:manage"), {"invite-email": owner_admin.email, "invite-role": "viewer"}
    )
    assert "already has an account" in response.content.decode()


def test_analysts_and_viewers_do_not_reach_the_admin_page(client, owner):
    for role in ("analyst", "viewer"):
        user = UserFactory(organization=owner, role=role)
        client.force_login(user)
        assert client.get(reverse("members:manage")).status_code == 404
