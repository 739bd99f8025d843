"""The member directory over the API: every member sees every organisation."""

import pytest

from members.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def test_the_directory_lists_every_member_with_its_kind_country_and_status(
    owner_api, owner, coparty, outsider
):
    outsider.is_suspended = True
    outsider.save()
    body = owner_api.get("/api/v1/organizations/").json()
    assert set(body) == {"next", "previous", "results"}
    by_slug = {o["slug"]: o for o in body["results"]}
    assert set(by_slug) == {"owner", "coparty", "outsider"}
    assert by_slug["coparty"] == {
        "slug": "coparty",
        "name": coparty.name,
        "kind": "telco",
        "country": "PE",
        "status": "active",
        "created_at": by_slug["coparty"]["created_at"],
    }
    assert by_slug["outsider"]["status"] == "suspended"


def test_the_directory_filters_by_kind_and_country(owner_api, owner, coparty, outsider):
    body = owner_api.get("/api/v1/organizations/?kind=telco&country=pe").json()
    assert [o["slug"] for o in body["results"]] == ["coparty"]


def test_the_directory_pages_with_a_cursor(owner_api, owner):
    for i in range(5):
        OrganizationFactory(slug=f"member-{i}")
    first = owner_api.get("/api/v1/organizations/?page_size=4").json()
    assert len(first["results"]) == 4 and first["next"]
    second = owner_api.get(first["next"]).json()
    assert len(second["results"]) == 2 and second["next"] is None
    seen = [o["slug"] for o in first["results"] + second["results"]]
    assert seen == sorted(seen) and len(set(seen)) == 6


def test_an_organisation_is_retrieved_by_slug_and_an_unknown_slug_is_a_404_problem(
    owner_api, coparty
):
    assert owner_api.get("/api/v1/organizations/coparty/").json()["kind"] == "telco"
    missing = owner_api.get("/api/v1/organizations/nobody/")
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("application/problem+json")


def test_an_unknown_api_path_answers_a_404_problem(owner_api):
    response = owner_api.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_the_openapi_schema_and_docs_are_served_without_external_assets(client, owner_admin):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/organizations/" in schema.content
    client.force_login(owner_admin)
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "jsdelivr" not in html
