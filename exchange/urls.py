"""Filled in by issue 15 work in progress."""

urlpatterns: list = []
