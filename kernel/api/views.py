"""A base for the API's read-only resources: authentication, scopes and problem JSON come from
settings; this adds the scoped queryset a list/retrieve endpoint needs. (Not every viewset
derives from it yet: issue "one room per concern".)"""

from rest_framework import viewsets


class ReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):
    """List + retrieve. Subclasses scope their queryset in `scoped_queryset()`; a row outside the
    caller's scope is simply absent, so 'not yours' and 'does not exist' both answer 404."""

    def get_queryset(self):
        return self.scoped_queryset()

    def scoped_queryset(self):
        raise NotImplementedError("an API view must say what the caller may see")
