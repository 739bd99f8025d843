"""No 5xx on bad input: what a pentest sent that once answered 500 gets a clear 4xx now
(RFC 9457 problem JSON under /api/, the portal's own page elsewhere)."""

from __future__ import annotations

import base64
import json
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from members.tests.factories import UserFactory
from notifications.models import WebhookEndpoint
from reports.indicators import KINDS, IndicatorError, normalise
from reports.models import Report
from reports.tests.factories import report_by

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def assert_problem(response, *statuses: int) -> dict:
    assert response.status_code in statuses, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith(PROBLEM), response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code and body["title"]
    return body


def report_payload(**overrides) -> dict:
    body = {
        "category": "live_sports",
        "title": "Derby restream on a mirror",
        "tlp": "amber",
        "jurisdictions": ["PE"],
        "indicators": [{"kind": "domain", "value": "pirate-derby.example"}],
    }
    body.update(overrides)
    return body


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- 1. forged cursors ----------------------------------------------------------------------


def _cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.fixture
def endpoint(owner):
    return WebhookEndpoint.objects.create(
        organization=owner, url="https://hooks.example/atalaya", secret="whsec_dGVzdA=="
    )


LISTS = [
    "/api/v1/reports/",
    "/api/v1/targets/",
    "/api/v1/notifications/",
    "/api/v1/organizations/",
    "/api/v1/blocking-orders/",
    "/api/v1/agreements/",
    "/api/v1/webhooks/",
]


@pytest.mark.parametrize("url", [*LISTS, "deliveries"])
@pytest.mark.parametrize("position", ["abc", "abc\x00", "-1.5", "9" * 30, "2020-13-45", ""])
def test_a_forged_cursor_is_a_client_error_not_a_crash(owner, owner_api, endpoint, url, position):
    report_by(owner)
    if url == "deliveries":
        url = f"/api/v1/webhooks/{endpoint.pk}/deliveries/"
    response = owner_api.get(url, {"cursor": _cursor(f"p={position}")})
    # A position the ordering field cannot hold is an invalid cursor, like an undecodable one;
    # one it can hold simply starts the page there.
    if response.status_code != 200:
        body = assert_problem(response, 400, 404)
        assert "cursor" in body["detail"].lower()


def test_a_cursor_that_fits_the_ordering_still_pages(owner, owner_api):
    reports = [report_by(owner, title=f"r{i}") for i in range(3)]
    first = owner_api.get("/api/v1/reports/", {"page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == [reports[2].pk, reports[1].pk]
    second = owner_api.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [reports[0].pk]


# --- 2. updated_after with a far-off offset -------------------------------------------------


@pytest.mark.parametrize("offset", ["+16:00", "+23:59", "-16:00", "-23:30"])
def test_updated_after_with_a_large_utc_offset_is_read_not_a_crash(owner, owner_api, offset):
    report_by(owner)
    response = owner_api.get("/api/v1/reports/", {"updated_after": f"2020-01-01T00:00:00{offset}"})
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    "value", ["0001-01-01T00:00:00+16:00", "9999-12-31T23:59:59-16:00", "2020-01-01T00:00:00+24:00"]
)
def test_updated_after_that_leaves_the_calendar_is_a_client_error(owner_api, value):
    body = assert_problem(owner_api.get("/api/v1/reports/", {"updated_after": value}), 400)
    assert body["errors"][0]["pointer"] == "/updated_after"


# --- 3. JSON nested 1,000 deep --------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/reports/", nested(1000)),
        ("/api/v1/reports/", json.dumps(report_payload())[:-1] + ', "tlp": ' + nested(999) + "}"),
        ("/api/v1/reports/bulk/", '{"reports": ' + nested(1000) + "}"),
        ("/api/v1/reports/bulk/", '{"reports": [' + nested(200) + "]}"),
        ("/api/v1/agreements/", '{"categories": ' + nested(1000) + "}"),
        ("/api/v1/agreements/", '{"categories": ' + nested(900) + "}"),
        ("/api/v1/blocking-orders/check/", '{"targets": [{"target": ' + nested(900) + "}]}"),
    ],
)
def test_json_nested_too_deep_is_malformed_json_not_a_crash(owner_api, authority, url, body):
    from conftest import api_client_for

    client = api_client_for(authority) if "blocking" in url else owner_api
    response = client.post(url, body, content_type="application/json")
    problem = assert_problem(response, 400)
    assert "malformed json" in problem["detail"].lower() or "deep" in problem["detail"].lower()


# --- 4. NUL bytes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organizations/%00/",
        "/api/v1/reports/?q=a%00b",
        "/api/v1/reports/?jurisdiction=%00",
        "/api/v1/organizations/?kind=%00",
        "/api/v1/targets/?q=%00",
        "/api/v1/reports/?a%00b=1",
    ],
)
def test_a_nul_byte_in_an_api_address_is_a_bad_request(owner_api, url):
    body = assert_problem(owner_api.get(url), 400)
    assert "nul" in body["detail"].lower()


@pytest.mark.parametrize(
    "url", ["/search/?q=a%00b", "/members/?kind=%00", "/reports/?q=%00", "/orders/?q=%00"]
)
def test_a_nul_byte_in_a_portal_address_gets_the_portal_400_page(owner, client, url):
    client.force_login(UserFactory(organization=owner))
    response = client.get(url)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"<main" in response.content  # the site's own page, which htmx can swap


@pytest.mark.parametrize(
    "field",
    ["title", "description", "jurisdictions", "recipients", "category", "tlp", "sharing"],
)
def test_a_nul_byte_inside_a_json_string_is_a_field_error(owner_api, field):
    values = {"jurisdictions": ["P\x00"], "recipients": ["ow\x00ner"]}
    body = report_payload(**{field: values.get(field, "x\x00y")})
    problem = assert_problem(owner_api.post("/api/v1/reports/", body, format="json"), 400)
    assert problem["errors"][0]["pointer"].startswith(f"/{field}")
    assert not Report.objects.exists()


@pytest.mark.parametrize("kind", KINDS)
def test_a_nul_byte_inside_an_indicator_is_a_field_error(owner_api, kind):
    body = report_payload(indicators=[{"kind": kind, "value": "pirate\x00.example"}])
    problem = assert_problem(owner_api.post("/api/v1/reports/", body, format="json"), 400)
    assert problem["errors"][0]["pointer"] == "/indicators/0/value"
    bulk = owner_api.post("/api/v1/reports/bulk/", {"reports": [body]}, format="json")
    assert bulk.status_code == 200 and bulk.json()["invalid"] == 1


def test_a_nul_byte_in_a_portal_path_that_leads_nowhere_is_not_found(owner, client):
    client.force_login(UserFactory(organization=owner))
    assert client.get("/reports/%00/").status_code == 404


# --- 5. blocking-order check with a list or an object as target -----------------------------


@pytest.mark.parametrize("target", [[1], {"id": 1}, "1", True, 1.5, None])
def test_checking_a_target_given_as_a_list_or_an_object_is_a_field_error(authority, target):
    from conftest import api_client_for

    client = api_client_for(authority)
    for url in ("/api/v1/blocking-orders/check/", "/api/v1/blocking-orders/"):
        response = client.post(url, {"targets": [{"target": target}]}, format="json")
        problem = assert_problem(response, 400)
        assert any(e["pointer"] == "/targets/0/target" for e in problem["errors"]), problem


# --- 7. the database is down ----------------------------------------------------------------


def _database_down():
    return mock.patch(
        "django.db.backends.utils.CursorWrapper.execute",
        side_effect=OperationalError("connection refused"),
    )


def test_an_api_write_while_the_database_is_down_is_a_503_with_retry_after(owner_api):
    owner_api.raise_request_exception = False
    with _database_down():
        response = owner_api.post("/api/v1/reports/", report_payload(), format="json")
    assert_problem(response, 503)
    assert int(response["Retry-After"]) > 0


def test_a_portal_page_while_the_database_is_down_is_a_plain_503(owner):
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(organization=owner))
    with _database_down():
        response = client.get("/reports/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith("text/html")


def test_a_portal_view_that_meets_a_dropped_connection_is_a_503(owner):
    from django.db import InterfaceError

    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(organization=owner))
    with mock.patch(
        "reports.listing.visible_reports", side_effect=InterfaceError("connection already closed")
    ):
        response = client.get("/reports/")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0


# --- 8. a body over the upload limit --------------------------------------------------------


def test_a_body_over_the_size_limit_is_problem_json_413(owner_api, settings):
    big = json.dumps(report_payload(description="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)))
    body = assert_problem(
        owner_api.post("/api/v1/reports/", big, content_type="application/json"), 413
    )
    assert "large" in body["detail"].lower()


def test_a_form_body_over_the_size_limit_is_problem_json_413(owner_api, settings):
    big = "title=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = owner_api.post(
        "/api/v1/reports/", big, content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 413)


# --- 9. bulk: a null item fails alone -------------------------------------------------------


@pytest.mark.parametrize("bad", [None, 7, "report", [], True])
def test_a_null_item_in_bulk_fails_alone_and_the_valid_items_are_created(owner_api, bad):
    items = [report_payload(title="first"), bad, report_payload(title="third")]
    response = owner_api.post("/api/v1/reports/bulk/", {"reports": items}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == 2 and body["invalid"] == 1
    assert body["results"][1]["status"] == "invalid"
    assert body["results"][1]["errors"][0]["pointer"] == "/reports/1"
    assert [r["status"] for r in body["results"]] == ["created", "invalid", "created"]
    assert sorted(Report.objects.values_list("title", flat=True)) == ["first", "third"]


# --- 10. degenerate account values ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["payment_account", "ad_account"])
@pytest.mark.parametrize(
    "value", [":", "::", " : ", ":abc", "paypal::", "paypal: -", "-", "@", "\u200b", "x:\u200b"]
)
def test_an_account_value_with_no_account_part_is_rejected(kind, value):
    with pytest.raises(IndicatorError) as caught:
        normalise(kind, value)
    assert caught.value.code == f"invalid_{kind}"


@pytest.mark.parametrize("value", ["pub-", "ca-pub-", "google:pub-"])
def test_an_adsense_id_with_no_number_is_rejected(value):
    with pytest.raises(IndicatorError):
        normalise("ad_account", value)


@pytest.mark.parametrize(
    ("kind", "value", "canonical"),
    [
        ("payment_account", "PayPal:seller@Example.com", "paypal:seller@example.com"),
        ("payment_account", "stripe:acct_1A2b", "stripe:acct_1A2b"),
        ("payment_account", "a:b", "a:b"),
        ("payment_account", "1234 5678", "12345678"),
        ("ad_account", "ca-pub-1234567890", "pub-1234567890"),
        ("ad_account", "google: pub-1234567890", "google:pub-1234567890"),
    ],
)
def test_real_account_values_are_still_accepted(kind, value, canonical):
    assert normalise(kind, value) == canonical


@pytest.mark.parametrize("value", [":", ":8080", "http://:80", "[]:80", "@:80", "a.example:"])
def test_an_iptv_panel_with_no_host_or_port_is_rejected(value):
    with pytest.raises(IndicatorError):
        normalise("iptv_panel", value)


def test_a_degenerate_payment_account_is_refused_by_the_api(owner_api):
    body = report_payload(indicators=[{"kind": "payment_account", "value": ":"}])
    problem = assert_problem(owner_api.post("/api/v1/reports/", body, format="json"), 400)
    assert problem["errors"][0]["pointer"] == "/indicators/0/value"
