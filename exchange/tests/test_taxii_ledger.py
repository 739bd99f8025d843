"""The ledger's date_added under concurrent requests: two refreshes of one reader's collection
at the same moment allocate each report once, strictly increasing, neither failing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from exchange.models import CollectionEntry
from exchange.taxii.collections import visible_collection
from exchange.taxii.ledger import ledger_refresh
from reports.tests.factories import agreement_between, report_by

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_refreshes_at_once_allocate_each_report_once_in_increasing_order(owner, coparty):
    agreement_between(owner, coparty)
    for n in range(3):
        report_by(owner, title=f"R{n}", indicators=(("domain", f"r{n}.example"),))
    collection = visible_collection(coparty)
    start, errors = threading.Barrier(2), []

    def refresh() -> None:
        try:
            start.wait(5)
            ledger_refresh(reader=coparty, collection=collection)
        except Exception as e:  # reported by the assertion below
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    rows = list(
        CollectionEntry.objects.filter(reader=coparty, agreement=None)
        .order_by("report_id")
        .values_list("date_added", flat=True)
    )
    assert len(rows) == 3 and rows == sorted(set(rows))
