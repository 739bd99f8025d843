"""STIX timestamps (§3.2): UTC, with a `Z`, and the row's full microseconds, so that two
versions of a report written within one millisecond still have different `modified`."""

from __future__ import annotations

import datetime


def stix_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
