"""E-mail in the reader's language: `kernel.mail`, and the invitation a new colleague gets."""

import pytest
from django.urls import reverse

from kernel.mail import mail_language, send_to_each_in_own_language
from members.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("saved", "read_in"),
    [
        ("es", "es"),
        ("pt-br", "pt-br"),
        ("pt-BR", "pt-br"),
        ("pt_BR", "pt-br"),
        ("", "en"),
        ("fr", "en"),
        (None, "en"),
    ],
)
def test_a_language_the_portal_does_not_speak_falls_back_to_the_hubs_default(saved, read_in):
    assert mail_language(saved) == read_in


def test_people_sharing_a_language_and_time_zone_get_one_email_between_them(owner, mailoutbox):
    from django.utils import timezone, translation

    people = [
        UserFactory(organization=owner, email="a@owner.example", language="es"),
        UserFactory(organization=owner, email="b@owner.example", language="es"),
        UserFactory(
            organization=owner, email="c@owner.example", language="es", time_zone="America/Lima"
        ),
        UserFactory(organization=owner, email="d@owner.example", language="xx"),
    ]

    def compose() -> tuple[str, str]:
        return translation.get_language(), str(timezone.get_current_timezone())

    assert send_to_each_in_own_language(people, compose) == 3

    sent = sorted((m.subject, m.body, m.to) for m in mailoutbox)
    assert sent == [
        ("en", "UTC", ["d@owner.example"]),
        ("es", "America/Lima", ["c@owner.example"]),
        ("es", "UTC", ["a@owner.example", "b@owner.example"]),
    ]


def test_an_admin_reading_spanish_invites_a_colleague_in_spanish(
    client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    admin = UserFactory(organization=owner, role="admin", language="es")
    client.force_login(admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:manage"),
            {"invite-email": "new@owner.example", "invite-role": "viewer", "invite-full_name": "N"},
        )

    assert response.status_code == 302
    (mail,) = mailoutbox
    assert mail.to == ["new@owner.example"]
    assert mail.subject == f"Invitación a Atalaya ({owner.name})"
    assert f"Elija su contraseña para unirse a {owner.name} en Atalaya:" in mail.body
    assert "set-password" in mail.body
