"""The forms of the workflow steps on an order's page: amend, lift, renew, reject."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kernel.forms import ZonedDateTimeField

from ..models import BlockingOrder, Compliance, OrderTarget
from ..services import TargetInput
from .targets import TargetLinesField, TargetSource, target_sources

# ---------------------------------------------------------------------------- the issuer's steps


class AmendForm(forms.Form):
    targets = TargetLinesField(
        label=gettext_lazy("Targets to add"),
        help_text=gettext_lazy(
            "One per line, as when issuing. The ISPs are told again and must comply again."
        ),
    )
    deadline = ZonedDateTimeField(
        required=False,
        label=gettext_lazy("New deadline"),
        help_text=gettext_lazy(
            "Optional. Empty: as long from now as the first deadline was from issue."
        ),
    )
    override_protected = forms.BooleanField(
        required=False, label=gettext_lazy("Override the protected list")
    )
    justification = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Justification"),
    )

    def sources(self) -> list[TargetSource]:
        return target_sources(self.cleaned_data["targets"])


class LiftForm(forms.Form):
    """The whole order, or the ticked targets in force."""

    whole = forms.BooleanField(required=False)
    targets = forms.ModelMultipleChoiceField(
        queryset=OrderTarget.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, order: BlockingOrder, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = order.targets.filter(lifted_at__isnull=True)

    def clean(self):
        data = super().clean()
        if not data.get("whole") and not data.get("targets"):
            raise forms.ValidationError(_("Tick the targets to lift, or lift the whole order."))
        return data

    def to_inputs(self) -> list[TargetInput] | None:
        if self.cleaned_data["whole"]:
            return None
        return [TargetInput(t.kind, t.value) for t in self.cleaned_data["targets"]]


class RenewForm(forms.Form):
    valid_until = ZonedDateTimeField(
        required=False,
        label=gettext_lazy("New end"),
        help_text=gettext_lazy("Optional. Empty: the lapse period again, from now."),
    )
    note = forms.CharField(max_length=2000, required=False, label=gettext_lazy("Note"))


# ---------------------------------------------------------------------------- the ISP's answer


class RejectForm(forms.Form):
    reason = forms.ChoiceField(choices=Compliance.Reason.choices, label=gettext_lazy("Reason"))
    detail = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=gettext_lazy("Detail"),
        help_text=gettext_lazy("Required when the reason is “Other”."),
    )
