"""The secretariat maintains the protected list here (docs/contract.md, "Blocking orders": kept by
the secretariat). Orders themselves are not in the admin: they belong to their issuer."""

from __future__ import annotations

import ipaddress

from django import forms
from django.contrib import admin

from reports import indicators

from .models import ProtectedEntry


class ProtectedEntryForm(forms.ModelForm):
    class Meta:
        model = ProtectedEntry
        fields = ["kind", "value", "include_subdomains", "provider", "note"]

    def clean(self):
        data = super().clean()
        kind, value = data.get("kind"), (data.get("value") or "").strip()
        # Every order is checked against these rows: one that does not parse would stop them all.
        if kind == ProtectedEntry.Kind.NETWORK:
            try:
                data["value"] = str(ipaddress.ip_network(value, strict=True))
            except ValueError as e:
                self.add_error("value", f"Not a network in CIDR notation: {e}.")
        elif kind == ProtectedEntry.Kind.DOMAIN:
            try:
                data["value"] = indicators.normalise("domain", value)
            except indicators.IndicatorError as e:
                self.add_error("value", str(e))
        return data


@admin.register(ProtectedEntry)
class ProtectedEntryAdmin(admin.ModelAdmin):
    form = ProtectedEntryForm
    list_display = ["value", "kind", "provider", "include_subdomains", "note", "created_at"]
    list_filter = ["kind", "provider"]
    search_fields = ["value", "provider", "note"]
