from django.utils.functional import SimpleLazyObject


def portal(request):
    user = getattr(request, "user", None)
    org = (
        getattr(user, "organization", None) if user is not None and user.is_authenticated else None
    )
    return {
        "current_org": org,
        "unread_count": _unread(org),
        # Read when the menu shows it, unless the view gave its own (the dashboard counts the
        # queue anyway): one query saved there.
        "unblock_queue": SimpleLazyObject(lambda: _unblock_queue(org)),
    }


def _unread(org) -> int:
    if org is None:
        return 0
    # Through the policy: an item about a report the member can no longer see is not counted.
    from notifications.selectors import inbox

    return inbox(org).filter(read_at__isnull=True).count()


def _unblock_queue(org) -> dict | None:
    """The menu's link to the unblock requests, for an issuer that has had any, with the count
    of those waiting for its answer; None for everyone else (no query for an ISP or a
    rightsholder, which never issue orders)."""
    from enforcement.selectors import unblock_queue_size
    from enforcement.services import may_issue

    if not may_issue(org):
        return None
    total, waiting = unblock_queue_size(org)
    return {"open": waiting} if total else None
