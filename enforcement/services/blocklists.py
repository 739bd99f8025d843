"""The blocklist's RPZ serial: the write behind serving a new blocklist version to an ISP (the
serial it was given is kept, so that the next version gets a higher one)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from members.models import Organization


def blocklist_serial_next(isp: Organization, version: datetime) -> int:
    """A serial that increases with every new version served to `isp` (see BlocklistSerial)."""
    from ..feeds import rpz_serial
    from ..models import BlocklistSerial

    serial = rpz_serial(version)
    with transaction.atomic():
        # Two first fetches at once must not both insert: insert-or-nothing, then lock the row.
        BlocklistSerial.objects.bulk_create(
            [BlocklistSerial(isp=isp, version=version, serial=serial)], ignore_conflicts=True
        )
        state = BlocklistSerial.objects.select_for_update().get(isp=isp)
        if state.version >= version:
            return state.serial
        state.serial = max(serial, state.serial + 1)
        state.version = version
        state.save(update_fields=["serial", "version"])
        return state.serial
