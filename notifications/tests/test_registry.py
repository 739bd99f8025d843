"""The registry the domain apps fill in: every event type the hub publishes has an app that
says who hears of it, and an unknown type or a missing port fails loudly instead of telling
nobody in silence."""

from __future__ import annotations

import pytest
from django.db.models import Q

from notifications import registry


def test_every_event_type_of_the_contract_is_registered_by_its_app():
    assert registry.types() == sorted(
        [
            "agreement.active",
            "agreement.declined",
            "agreement.expiring",
            "agreement.proposed",
            "agreement.signed",
            "agreement.suspended",
            "agreement.terminated",
            "blocking_order.amended",
            "blocking_order.issued",
            "blocking_order.lifted",
            "blocking_order.overdue",
            "blocking_order.unblock_requested",
            "report.shared",
            "report.updated",
            "target.corroborated",
        ]
    )
    subjects = {k.type.split(".")[0]: k.subject for k in registry.kinds()}
    assert subjects == {
        "agreement": "agreement",
        "blocking_order": "order",
        "report": "report",
        "target": "report",
    }


def test_an_unknown_event_type_is_refused_not_ignored():
    with pytest.raises(LookupError, match="no app registered"):
        registry.kind("report.vanished")
    assert registry.label("report.vanished") == "report.vanished"


def test_a_type_registered_twice_by_different_apps_is_refused():
    taken = registry.kind("report.shared")
    impostor = registry.EventKind(
        type="report.shared", label="x", subject="report", audience=list, payload=dict
    )
    with pytest.raises(ValueError, match="registered twice"):
        registry.register(impostor)
    assert registry.kind("report.shared") is taken


def test_the_inbox_filter_restricts_only_the_types_whose_app_asks(monkeypatch):
    kinds = {
        "a.one": registry.EventKind("a.one", "A", "thing", list, dict),
        "b.two": registry.EventKind(
            "b.two", "B", "thing", list, dict, inbox_visible=lambda org: Q(subject_id__in=[org])
        ),
    }
    monkeypatch.setattr(registry, "_KINDS", kinds)
    assert registry.inbox_filter(7) == Q() & (~Q(event__type="b.two") | Q(subject_id__in=[7]))


def test_a_missing_port_fails_loudly(monkeypatch):
    monkeypatch.setattr(registry, "_ports", {})
    with pytest.raises(RuntimeError, match="mail_readers"):
        registry.mail_readers(1)
    with pytest.raises(RuntimeError, match="record"):
        registry.record(user=None, action="webhook.created", obj=None)
