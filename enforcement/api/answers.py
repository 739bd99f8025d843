"""The shape of an ISP's answers per target (`POST /api/v1/blocking-orders/{id}/target-answers/`);
the rules are `enforcement.services.compliance_answer_targets`'s."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import TargetAnswer
from ..services import MAX_TARGETS, TargetAnswerInput

DETAIL_LENGTH = 2000


@extend_schema_field(
    {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_TARGETS,
        "items": {
            "type": "object",
            "required": ["target", "state"],
            "properties": {
                "target": {"type": "integer", "description": "The order target's `id`."},
                "state": {"type": "string", "enum": TargetAnswer.State.values},
                "reason": {
                    "type": "string",
                    "enum": TargetAnswer.Reason.values,
                    "description": "Why it is impossible (an `impossible` answer needs one).",
                },
                "detail": {
                    "type": "string",
                    "maxLength": DETAIL_LENGTH,
                    "description": "In your words; needed when the reason is `other`.",
                },
            },
        },
    }
)
class TargetAnswerListField(serializers.Field):
    """`[{"target", "state", "reason", "detail"}]`. Hand-rolled rather than a nested serializer
    (an answer may cover thousands of targets); an error names its item
    (`/answers/3/state`). Whether a reason is needed, and for which targets, the service says."""

    def to_internal_value(self, data) -> list[TargetAnswerInput]:
        if not isinstance(data, list):
            raise serializers.ValidationError("Expected a list of answers.")
        if len(data) > MAX_TARGETS:
            raise serializers.ValidationError(f"At most {MAX_TARGETS:,} answers.")
        out: list[TargetAnswerInput] = []
        errors: dict[int, dict[str, list[str]]] = {}
        for i, item in enumerate(data):
            if not isinstance(item, dict):
                errors[i] = {"non_field_errors": ["Expected an object with target and state."]}
                continue
            problems: dict[str, list[str]] = {}
            target = item.get("target")
            if isinstance(target, bool) or not isinstance(target, int) or target < 1:
                problems["target"] = ["The order target's id, a positive integer."]
            for name in ("state", "reason", "detail"):
                value = item.get(name, "")
                if not isinstance(value, str):
                    problems[name] = ["A string."]
            if isinstance(item.get("detail"), str) and len(item["detail"]) > DETAIL_LENGTH:
                problems["detail"] = [f"At most {DETAIL_LENGTH} characters."]
            if problems:
                errors[i] = problems
                continue
            out.append(
                TargetAnswerInput(
                    target=target,
                    state=item.get("state", ""),
                    reason=item.get("reason", ""),
                    detail=item.get("detail", ""),
                )
            )
        if errors:
            raise serializers.ValidationError(errors)
        return out

    def to_representation(self, value):  # pragma: no cover - write-only
        return value


class TargetAnswersSerializer(serializers.Serializer):
    answers = TargetAnswerListField()
