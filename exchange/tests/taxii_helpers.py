"""What the TAXII server's tests share: a client with a key, paths, TAXII's error shape, a
report shared under an agreement, and reading a collection to its end."""

from __future__ import annotations

from django.test import Client

from exchange.taxii.protocol import TAXII_21
from members.tests.factories import make_key
from reports.stix.export import common_objects
from reports.tests.factories import agreement_between, report_by

ROOT = "/taxii2/api/"
COMMON = len(common_objects())


def taxii(org, scopes=("read", "write"), **headers) -> Client:
    key = make_key(org, scopes=scopes)
    return Client(headers={"authorization": f"Bearer {key}", "accept": TAXII_21, **headers})


def objects_url(collection_id: str, suffix: str = "objects/") -> str:
    return f"{ROOT}collections/{collection_id}/{suffix}"


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == TAXII_21
    body = response.json()
    assert body["http_status"] == str(status) and body["title"]
    return body


def share_one_report(owner, coparty):
    """An agreement between the owner and the co-party, and one report shared under it."""
    agreement = agreement_between(owner, coparty, categories=["live_sports"])
    report = report_by(
        owner, indicators=(("domain", "derby.example"), ("url", "https://x.example/a"))
    )
    return agreement, report


def all_objects(client: Client, collection_id: str, **params) -> list[dict]:
    seen, query = [], {**params}
    while True:
        response = client.get(objects_url(collection_id), query)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += body.get("objects", [])
        if not body.get("more"):
            return seen
        query = {**params, "next": body["next"]}


def report_ids(objects: list[dict]) -> set[str]:
    return {o["id"] for o in objects if o["type"] == "report"}
