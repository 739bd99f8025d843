"""The ISP's answer target by target, on an order's page: a checkbox per target, a reason for
those it cannot block, and one button per answer (blocked, impossible)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import BlockingOrder, OrderTarget, TargetAnswer
from ..services import TargetAnswerInput


class TargetAnswerForm(forms.Form):
    targets = forms.ModelMultipleChoiceField(
        queryset=OrderTarget.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Tick the targets you are answering.")},
    )
    # Sent by the button pressed ("Mark blocked" or "Mark impossible"), not typed.
    state = forms.ChoiceField(choices=TargetAnswer.State.choices)
    reason = forms.ChoiceField(
        choices=[("", "—"), *TargetAnswer.Reason.choices],
        required=False,
        label=gettext_lazy("Why it is impossible"),
    )
    detail = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        # Not "Detail": the whole-order rejection beside it has one.
        label=gettext_lazy("Why, in detail"),
        help_text=gettext_lazy(
            "For example: URL blocking is not supported on our DNS resolver. Required when "
            "the reason is “Other”."
        ),
    )

    def __init__(self, *args, order: BlockingOrder, **kwargs):
        kwargs.setdefault("prefix", "answers")
        kwargs.setdefault("auto_id", f"id_answers_{order.pk}_%s")
        super().__init__(*args, **kwargs)
        self.fields["targets"].queryset = order.targets.filter(lifted_at__isnull=True)

    def clean(self):
        data = super().clean()
        if data.get("state") == TargetAnswer.State.IMPOSSIBLE and not data.get("reason"):
            self.add_error("reason", _("Say why the ticked targets cannot be blocked."))
        return data

    def to_inputs(self) -> list[TargetAnswerInput]:
        data = self.cleaned_data
        return [
            TargetAnswerInput(
                target=t.pk, state=data["state"], reason=data["reason"], detail=data["detail"]
            )
            for t in data["targets"]
        ]
