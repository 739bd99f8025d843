"""/api/docs/ reads as documentation (issue 14): every operation of the OpenAPI schema has a
summary (its name in the list) and a description of its own, and the groups are named cleanly.
The words live in each app's api/docs.py; this keeps a new operation from arriving bare."""

from __future__ import annotations

import re

import pytest
from drf_spectacular.generators import SchemaGenerator


@pytest.fixture(scope="module")
def schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict) -> list[tuple[str, dict]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_operation_has_a_summary_and_a_description(schema):
    bare = [
        name
        for name, operation in operations(schema)
        if not (operation.get("summary") or "").strip()
        or not (operation.get("description") or "").strip()
    ]
    assert operations(schema), "the schema lists no operation"
    assert not bare, f"operations without a summary or a description: {bare}"


def test_each_summary_names_one_operation_and_reads_as_a_title(schema):
    summaries = [operation["summary"] for _name, operation in operations(schema)]

    assert len(summaries) == len(set(summaries)), "two operations share a summary"
    assert not [s for s in summaries if s.endswith(".")], "a summary is a title, not a sentence"


def test_no_two_operations_share_a_description(schema):
    """A viewset's docstring would otherwise stand for every one of its operations."""
    seen: dict[str, str] = {}
    shared = []
    for name, operation in operations(schema):
        if operation["description"] in seen:
            shared.append((seen[operation["description"]], name))
        seen.setdefault(operation["description"], name)
    assert not shared, f"operations with the same description: {shared}"


def test_tags_are_clean_names_each_declared_with_a_description(schema):
    used = {tag for _name, operation in operations(schema) for tag in operation.get("tags", [])}
    declared = {tag["name"]: tag.get("description", "") for tag in schema.get("tags", [])}

    assert not [t for t in used if t.endswith(".")], "a tag ends with a period"
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", tag) for tag in used), sorted(used)
    assert used <= set(declared), f"tags used but not declared: {sorted(used - set(declared))}"
    assert all(declared[tag].strip() for tag in used)
