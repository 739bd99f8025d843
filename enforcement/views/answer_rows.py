"""What an order's page shows of the answers per target: for the addressed ISP, each target
with its own answer (and the form to answer the others); for the issuer, beside each ISP's
answer on the status board, the targets that ISP found impossible and why. Read through the
compliance rows the page already holds (`visible_orders`: an ISP's own row only)."""

from __future__ import annotations

from dataclasses import dataclass

from ..forms.answers import TargetAnswerForm
from ..models import OrderTarget, TargetAnswer
from ..target_answers import answers_about, answers_by_compliance
from .rows import OrderView

# The board names this many impossible targets per ISP; the API lists them all.
IMPOSSIBLE_SHOWN = 20


@dataclass(frozen=True)
class AnswerRow:
    """A target in force with the reader's answer about it (None: not answered yet)."""

    target: OrderTarget
    answer: TargetAnswer | None

    @property
    def blocked(self) -> bool:
        return self.answer is not None and self.answer.state == TargetAnswer.State.IMPLEMENTED


def add_reasons(view: OrderView) -> None:
    """Each ISP's row of the board gets `impossible_answers`: the first targets it found
    impossible, with the reason. One query for the board."""
    rows = [a.row for a in view.answers]
    found = answers_by_compliance(rows, state=TargetAnswer.State.IMPOSSIBLE, limit=IMPOSSIBLE_SHOWN)
    for row in rows:
        row.impossible_answers = found.get(row.pk, [])


def answers_context(
    view: OrderView,
    live_targets: list[OrderTarget],
    *,
    may_write: bool,
    form: TargetAnswerForm | None = None,
) -> dict:
    """The order page's context for the answers per target (the targets shown, a page)."""
    add_reasons(view)
    if view.mine is None:
        return {}
    mine = view.mine.row
    answers = answers_about(mine, live_targets)
    context: dict = {
        "answer_rows": [AnswerRow(t, answers.get(t.pk)) for t in live_targets],
        "impossible_shown": IMPOSSIBLE_SHOWN,
    }
    # A blocked target stays blocked: the form is offered while one at least is not.
    unblocked = getattr(mine, "targets_implemented", 0) < getattr(mine, "targets_in_force", 0)
    if view.may_answer and may_write and unblocked:
        context["answer_form"] = form or TargetAnswerForm(order=view.order)
    # What the ISP had ticked, kept when the page comes back with an error.
    sent = form["targets"].value() or [] if form is not None and form.is_bound else []
    context["answer_ticked"] = {int(v) for v in sent if str(v).isdigit()}
    return context
