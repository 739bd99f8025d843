"""Fixtures of the enforcement tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from enforcement.tests.unbound import Unbound


@pytest.fixture
def unbound(tmp_path) -> Iterator[Unbound]:
    """A real Unbound resolver serving names under `test.`, not yet started: a test calls
    `unbound.start(rpz_zone_text, records={...})`. Stopped after the test."""
    with Unbound(tmp_path / "unbound") as server:
        yield server
