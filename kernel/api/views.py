"""The base of every API viewset: authentication, scopes and problem JSON come from settings;
this adds the caller's scope as the queryset every endpoint starts from."""

from __future__ import annotations

from django.db.models import Model, QuerySet
from rest_framework import mixins, viewsets


class ScopedViewSet(viewsets.GenericViewSet):
    """Subclasses say what the caller may see in `scoped_queryset()`, and name the model it
    reads in `model` (used only where there is no caller).

    The scope is the first thing applied, in `get_queryset()`, DRF's one entry point for
    lists, details (`get_object`) and actions, so that no endpoint can forget it and filters,
    search and ordering only ever see rows the caller may see: run on more, a filter's empty
    page, a count or an order could tell that a row exists. A row outside the scope is simply
    absent: "not yours" and "does not exist" are the same 404.

    Schema generation (drf-spectacular sets `swagger_fake_view`) has no caller and so no scope;
    it gets an empty queryset of `model` instead of an error."""

    model: type[Model]

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset()

    def scoped_queryset(self) -> QuerySet:
        raise NotImplementedError("an API view must say what the caller may see")


class ReadOnlyViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ScopedViewSet):
    """List + retrieve of a scoped resource."""
