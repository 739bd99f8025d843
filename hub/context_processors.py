def portal(request):
    user = getattr(request, "user", None)
    org = (
        getattr(user, "organization", None) if user is not None and user.is_authenticated else None
    )
    return {"current_org": org}
