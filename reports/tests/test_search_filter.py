"""`?q=` on report lists: titles, descriptions and indicator values, case-insensitive, with
LIKE's wildcards taken literally, never past the access policy."""

import pytest

from reports.tests.factories import report_by

pytestmark = pytest.mark.django_db
URL = "/api/v1/reports/"


def titles(client, q: str) -> set[str]:
    return {r["title"] for r in client.get(URL, {"q": q}).json()["results"]}


@pytest.fixture
def reports(owner):
    report_by(owner, title="Panel", indicators=[("url", "https://Pirate-TV.example/live?x=1")])
    report_by(owner, title="Mirror", indicators=[("domain", "other.example")])
    report_by(owner, title="Unrelated title", description="about 100% of the channels")


def test_an_indicator_value_is_found_whatever_its_case(owner_api, reports):
    assert titles(owner_api, "pirate-TV") == {"Panel"}
    assert titles(owner_api, "OTHER.EXAMPLE") == {"Mirror"}
    assert titles(owner_api, "mirror") == {"Mirror"}


def test_like_wildcards_are_taken_literally(owner_api, reports):
    assert titles(owner_api, "%") == {"Unrelated title"}
    assert titles(owner_api, "_") == set()
    assert titles(owner_api, "other_example") == set()


def test_the_search_never_reaches_past_the_policy(outsider_api, reports):
    assert titles(outsider_api, "pirate") == set()
