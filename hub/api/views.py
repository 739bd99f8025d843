"""Bases for every API view: authentication, scopes and problem JSON come from settings;
these add what a list/retrieve endpoint needs so that no endpoint re-invents it."""

from rest_framework import viewsets


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List + retrieve. Subclasses scope their queryset in `scoped_queryset()`; a row outside the
    caller's scope is simply absent, so 'not yours' and 'does not exist' both answer 404."""

    def get_queryset(self):
        return self.scoped_queryset()

    def scoped_queryset(self):
        raise NotImplementedError("an API view must say what the caller may see")
