def portal(request):
    user = getattr(request, "user", None)
    org = (
        getattr(user, "organization", None) if user is not None and user.is_authenticated else None
    )
    return {"current_org": org, "unread_count": _unread(org)}


def _unread(org) -> int:
    if org is None:
        return 0
    # Through the policy: an item about a report the member can no longer see is not counted.
    from notifications.selectors import inbox

    return inbox(org).filter(read_at__isnull=True).count()
