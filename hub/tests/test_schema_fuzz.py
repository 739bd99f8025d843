"""Every operation of the OpenAPI schema, fuzzed against a live server (schemathesis).

The schema is the contract integrations are generated from, so it is checked against what the
server really answers: for each operation a few requests that fit the schema and a few that do
not, sent over HTTP to a live server with real API keys (the owner, its co-party and an
authority, each key holding every scope). Each answer must not be a server error (5xx), and its
status code, content type and body must be those the schema documents.

Path parameters are mostly replaced by the ids of a small seeded world (an agreement in force,
reports meeting on a target, evidence, an order, an unblock request, a webhook endpoint on
127.0.0.1) and of what earlier operations created, so that requests reach real objects and not
only 404s. Hypothesis is derandomized: every run sends the same requests. The figures
(operations, requests, statuses, 5xx, schema mismatches) are printed and written to
var/schema-fuzz.txt.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from enforcement import unblock
from enforcement.tests.factories import as_actor, order_by
from kernel.vocabulary import TLP
from members.tests.factories import OrganizationFactory, make_key
from notifications.models import Event, Notification, WebhookEndpoint
from notifications.tasks import process_event
from reports import services as report_services
from reports.models import ClusterSuggestion, Report, Target
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = ROOT / "var" / "schema-fuzz.txt"

# Per operation: requests that fit the schema, then half as many that break it. 43 operations
# x 9 is about 390 requests, under a minute on two cores. SCHEMA_FUZZ_EXAMPLES=50 digs deeper
# (by hand, not in `make test`).
POSITIVE_EXAMPLES = int(os.environ.get("SCHEMA_FUZZ_EXAMPLES", "6"))
NEGATIVE_EXAMPLES = max(1, POSITIVE_EXAMPLES // 2)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass
class Tally:
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    per_operation: dict[str, Counter] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


@pytest.fixture
def world(settings, tmp_path, monkeypatch):
    """Three members, an agreement in force between two of them, reports that meet on a target
    (so that there are suggestions), an order addressed to the co-party with an unblock request
    about it, a webhook endpoint on the loopback address. Returns an API key per member."""
    # Events stay rows (the seed's are processed here, by hand): nothing is queued to Redis
    # and no webhook leaves the test.
    monkeypatch.setattr("notifications.outbox._enqueue", lambda *args, **kwargs: None)
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.WEBHOOK_ALLOW_PRIVATE_DESTINATIONS = True

    owner = OrganizationFactory(slug="owner", kind="rightsholder", country="PE")
    coparty = OrganizationFactory(slug="coparty", kind="telco", country="PE")
    authority = OrganizationFactory(slug="authority", kind="regulator", country="PE")
    agreement_between(owner, coparty, max_tlp=TLP.AMBER, share_evidence=True)
    first = report_by(
        owner, indicators=[("domain", "futbol-libre.example"), ("ipv4", "203.0.113.7")]
    )
    report_services.evidence_add(
        actor=as_actor(owner),
        report=first,
        upload=SimpleUploadedFile("capture.png", b"\x89PNG\r\n\x1a\n", content_type="image/png"),
    )
    report_by(owner, tlp=TLP.CLEAR, indicators=[("domain", "futbol-libre2.example")])
    report_by(coparty, indicators=[("domain", "futbol-libre.example")], category="iptv")
    report_by(owner, tlp=TLP.RED, recipients=[coparty], indicators=[("url", "https://x.example/")])
    order = order_by(
        authority,
        targets=[("domain", "futbol-libre.example")],
        deadline=timezone.now() + timedelta(hours=2),
    )
    unblock.request_submit(
        data=unblock.UnblockInput(
            name="Ana",
            email="ana@site.example",
            organization="",
            relation="site_owner",
            value="futbol-libre.example",
            message="Not a pirate site.",
        )
    )
    # Targets, clusters, suggestions and inbox items, as the worker would make them.
    for event_id in Event.objects.filter(processed_at__isnull=True).values_list("pk", flat=True):
        process_event(event_id)
    # After the events: deliveries to it would be queued.
    WebhookEndpoint.objects.create(
        organization=owner, url="http://127.0.0.1:9/hook", secret="whsec_" + "A" * 32
    )
    assert order.pk
    return {org.slug: make_key(org) for org in (owner, coparty, authority)}


def real_path_values() -> dict[str, list]:
    """For each collection of the API, the values its `{id}` may take now (the seeded world
    and what the fuzz created), and the same for the other path parameters."""
    from enforcement.models import BlockingOrder, UnblockReview
    from members.models import Agreement, Organization
    from reports.api.targets import TargetViewSet
    from reports.models import Evidence

    def lookups(queryset, attribute="pk"):
        values = [getattr(obj, attribute) for obj in queryset.order_by("pk")]
        return [v if isinstance(v, (int, str)) else str(v) for v in values]  # UUIDs as text

    targets = lookups(Target.objects.all(), TargetViewSet.lookup_field)
    return {
        "organizations": lookups(Organization.objects.all(), "slug"),
        "agreements": lookups(Agreement.objects.all()),
        "reports": lookups(Report.objects.all()),
        "targets": targets,
        "other_id": targets,  # the other target of a suggestion
        "evidence_id": lookups(Evidence.objects.all()),
        "notifications": lookups(Notification.objects.all()),
        "webhooks": lookups(WebhookEndpoint.objects.all()),
        "blocking-orders": lookups(BlockingOrder.objects.all()),
        "unblock-requests": lookups(UnblockReview.objects.all()),
        "suggestion_id": lookups(ClusterSuggestion.objects.all()),
    }


@dataclass
class Fuzzer:
    base_url: str
    keys: dict[str, str]
    session: requests.Session = field(default_factory=requests.Session)
    tally: Tally = field(default_factory=Tally)

    def fuzz(self, operation, mode: GenerationMode, examples: int) -> None:
        # `/api/v1/<collection>/{lookup}/...`: the lookup takes the collection's values.
        segments = operation.path.removeprefix("/api/v1/").split("/")
        pools = real_path_values()
        if len(segments) > 1 and segments[1].startswith("{"):
            pools[segments[1].strip("{}")] = pools.get(segments[0])

        @settings(
            max_examples=examples,
            derandomize=True,
            database=None,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
        )
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def run(case, data):
            for name in list(case.path_parameters or {}):
                pool = pools.get(name)
                # Three times in four a real object: the rest stays what was generated.
                if pool and data.draw(st.integers(0, 3)):
                    case.path_parameters[name] = data.draw(st.sampled_from(pool))
            who = data.draw(st.sampled_from(sorted(self.keys)))
            self.send(case, mode, who)

        try:
            run()
        except Exception as e:  # e.g. nothing in this operation can be made invalid
            self.tally.skipped.append(f"{operation.label} [{mode.value}]: {type(e).__name__}: {e}")

    def send(self, case, mode: GenerationMode, who: str) -> None:
        # Connection: close, so that no server thread is left waiting on a kept-alive
        # connection, holding its database session past the test.
        headers = {"Authorization": f"Bearer {self.keys[who]}", "Connection": "close"}
        label = f"{case.operation.label} [{mode.value}, as {who}]"
        try:
            response = case.call(base_url=self.base_url, session=self.session, headers=headers)
        except requests.RequestException as e:
            self.tally.server_errors.append(f"{label}: no answer ({e})")
            return
        self.tally.requests += 1
        self.tally.statuses[response.status_code] += 1
        self.tally.per_operation.setdefault(case.operation.label, Counter())[
            response.status_code
        ] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                line = (
                    f"{label} -> {response.status_code}: {failure.title}"
                    f"\n    {case.as_curl_command(headers=headers)}"
                    f"\n    {failure.message.strip()[:600]}"
                )
                if response.status_code >= 500:
                    self.tally.server_errors.append(line)
                else:
                    self.tally.mismatches.append(line)


def test_every_operation_answers_as_documented(world, live_server, capsys):
    owner = {"Authorization": f"Bearer {world['owner']}", "Connection": "close"}
    raw = requests.get(f"{live_server.url}/api/schema/?format=json", headers=owner, timeout=30)
    assert raw.status_code == 200, raw.text[:500]
    schema = schemathesis.openapi.from_dict(raw.json(), config=schemathesis.Config())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40, "the schema lost operations"

    fuzzer = Fuzzer(base_url=live_server.url, keys=world)
    started = time.monotonic()
    for operation in operations:
        fuzzer.fuzz(operation, GenerationMode.POSITIVE, POSITIVE_EXAMPLES)
        fuzzer.fuzz(operation, GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)
    elapsed = time.monotonic() - started
    fuzzer.session.close()

    tally = fuzzer.tally
    fives = sum(n for code, n in tally.statuses.items() if code >= 500)
    summary = (
        f"schema fuzz: {len(operations)} operations, {tally.requests} requests in {elapsed:.0f} s, "
        f"{fives} answered 5xx, {len(tally.mismatches)} schema mismatches; statuses "
        + ", ".join(f"{code}: {n}" for code, n in sorted(tally.statuses.items()))
    )
    answers = [
        f"{label}: " + ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
        for label, counts in tally.per_operation.items()
    ]
    sections = [
        ("Server errors:", tally.server_errors),
        ("Schema mismatches:", tally.mismatches),
        ("Not generated:", tally.skipped),
        ("Answers per operation:", answers),
    ]
    report = "\n".join(
        [summary, *(line for title, lines in sections if lines for line in ["", title, *lines])]
    )
    SUMMARY.parent.mkdir(exist_ok=True)
    SUMMARY.write_text(report + "\n")
    with capsys.disabled():
        print("\n" + summary)
    # Negative generation may find nothing to break in an operation; positive always must.
    unfuzzed = [line for line in tally.skipped if "[positive]" in line]
    assert not tally.server_errors and not tally.mismatches and not unfuzzed, report


def test_the_schema_documents_the_shared_plumbing():
    """What kernel.api.schema adds, read from the generated schema (no server needed)."""
    from drf_spectacular.generators import SchemaGenerator

    from kernel.api.idempotency import HEADER

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method.upper(), path): op
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    }
    bulk = operations["POST", "/api/v1/reports/bulk/"]
    assert bulk["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/BulkResult"
    }
    assert set(schema["components"]["schemas"]["BulkResult"]["required"]) == {
        "created",
        "invalid",
        "results",
    }
    for (method, path), op in operations.items():
        for status in ("400", "401", "403", "503"):
            content = op["responses"][status]["content"]
            assert list(content) == ["application/problem+json"], (method, path, status)
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        # Every write that takes the header says so, and nothing else claims it.
        assert (HEADER in headers) == ("422" in op["responses"]), (method, path)
    assert HEADER in {p["name"] for p in bulk["parameters"]}
    assert "Idempotency-Key" not in str(operations["POST", "/api/v1/webhooks/"])
    problem = schema["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status"}
    assert problem["properties"]["errors"]["items"] == {
        "$ref": "#/components/schemas/ProblemFieldError"
    }
