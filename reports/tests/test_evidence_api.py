"""Evidence files follow the report's visibility and the agreements' share_evidence flag."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import api_client_for
from reports.models import Evidence
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, report_id, content=b"PNG...screenshot", name="capture.png"):
    return client.post(
        f"{URL}{report_id}/evidence/",
        {"file": SimpleUploadedFile(name, content, content_type="image/png")},
        format="multipart",
    )


def test_owner_attaches_evidence_once_and_sees_it_on_the_report(owner, owner_api):
    report = report_by(owner)
    first = upload(owner_api, report.pk)
    assert first.status_code == 201, first.content
    assert upload(owner_api, report.pk).json()["id"] == first.json()["id"]  # same bytes, once
    body = owner_api.get(f"{URL}{report.pk}/").json()
    assert [e["name"] for e in body["evidence"]] == ["capture.png"]
    download = owner_api.get(f"{URL}{report.pk}/evidence/{first.json()['id']}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"PNG...screenshot"


def test_coparty_gets_evidence_only_under_an_agreement_that_shares_it(owner, coparty, owner_api):
    agreement_between(owner, coparty, share_evidence=False)
    report = report_by(owner)
    evidence_id = upload(owner_api, report.pk).json()["id"]
    coparty_api = api_client_for(coparty)
    assert coparty_api.get(f"{URL}{report.pk}/").json()["evidence"] is None
    assert coparty_api.get(f"{URL}{report.pk}/evidence/{evidence_id}/").status_code == 404

    agreement_between(owner, coparty, share_evidence=True)
    assert len(coparty_api.get(f"{URL}{report.pk}/").json()["evidence"]) == 1
    assert coparty_api.get(f"{URL}{report.pk}/evidence/{evidence_id}/").status_code == 200


def test_outsider_and_coparty_cannot_reach_or_add_evidence(owner, coparty, outsider_api, owner_api):
    agreement_between(owner, coparty, share_evidence=True)
    report = report_by(owner)
    evidence_id = upload(owner_api, report.pk).json()["id"]
    assert outsider_api.get(f"{URL}{report.pk}/evidence/{evidence_id}/").status_code == 404
    assert upload(outsider_api, report.pk).status_code == 404
    assert upload(api_client_for(coparty), report.pk).status_code == 403
    assert Evidence.objects.count() == 1


def test_an_oversized_file_is_refused_with_a_field_error(owner, owner_api, settings):
    settings.MAX_EVIDENCE_BYTES = 10
    report = report_by(owner)
    response = upload(owner_api, report.pk, content=b"x" * 11)
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/file"


def test_the_portal_lists_evidence_only_where_it_is_disclosed(owner, coparty, owner_api, client):
    from members.tests.factories import UserFactory

    agreement_between(owner, coparty, share_evidence=False)
    report = report_by(owner)
    upload(owner_api, report.pk)
    client.force_login(UserFactory(organization=coparty, role="viewer"))
    page = client.get(f"/reports/{report.pk}/").content.decode()
    assert "capture.png" not in page
    client.force_login(UserFactory(organization=owner, role="viewer"))
    assert "capture.png" in client.get(f"/reports/{report.pk}/").content.decode()
