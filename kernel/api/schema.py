"""What the OpenAPI schema says about every operation, written once (drf-spectacular).

Each view documents its own success answers; this adds what the plumbing shared by every view
does, so that no view has to restate it and none can forget it:

- the RFC 9457 problem answers of `kernel.api.problems` (`application/problem+json`, with the
  field-level `errors` of a validation failure), for the statuses each operation can give;
- the `Idempotency-Key` request header on the writes decorated with `kernel.api.idempotency`;
- request bodies as JSON: DRF's default form parsers also accept form data, but the API of
  docs/contract.md is
  JSON, and a client generated from form media types would send nested reports flattened.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.parsers import JSONParser

from .problems import PROBLEM_CONTENT_TYPE


class ProblemFieldErrorSerializer(serializers.Serializer):
    pointer = serializers.CharField(
        help_text="JSON Pointer (RFC 6901) into the request body; empty for the whole request."
    )
    detail = serializers.CharField()
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. `required`.")


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details (kernel/api/problems.py)."""

    type = serializers.CharField(
        help_text="`about:blank` (the status says it all) or `/api/problems/validation`."
    )
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    instance = serializers.CharField(required=False, help_text="The path that was requested.")
    code = serializers.CharField(required=False, help_text="Machine-readable; not on validation.")
    errors = ProblemFieldErrorSerializer(
        many=True, required=False, help_text="Validation problems only: one entry per field."
    )


PROBLEM_DESCRIPTIONS = {
    400: "The request is malformed or invalid (a NUL byte in the path or query string is, "
    "everywhere). A validation problem lists every field's error in `errors`, each with a JSON "
    "Pointer into the request body.",
    401: "No API key, or an unknown, revoked or expired one, or the organisation is suspended.",
    403: "The key lacks the scope this request needs, or the organisation may not do this.",
    404: "Not found, or not visible to the caller: both answer alike. Lists answer 404 to a "
    "cursor they did not issue.",
    409: "The resource's current state does not allow this (e.g. signing a terminated "
    "agreement, answering an unblock request twice), or a concurrent write won.",
    413: "The request body is too large.",
    422: "This Idempotency-Key was already used, within 24 hours, with a different request.",
    429: "Too many requests; retry after the number of seconds in `Retry-After`.",
    503: "A service the hub depends on (the database, Redis) is unavailable; retry later.",
}

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})

# The request header of idempotent writes, and the mark their decorator
# (`kernel.api.idempotency.idempotent`) leaves on the view method: the decorator stays the single
# place that says which writes honour the header, and the kernel need not import it.
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENT_MARK = "honours_idempotency_key"


def is_idempotent(method) -> bool:
    while method is not None:
        if getattr(method, IDEMPOTENT_MARK, False):
            return True
        method = getattr(method, "__wrapped__", None)
    return False


def _model_field_is_blank(field: serializers.Field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:
        return False


class AutoSchema(openapi.AutoSchema):
    def _view_method(self):
        action = getattr(self.view, "action", None) or self.method.lower()
        return getattr(self.view, action, None)

    def _idempotent(self) -> bool:
        return self.method in WRITE_METHODS and is_idempotent(self._view_method())

    def _tokenize_path(self):
        # `blocklist.{fmt}` would leave "blocklist." as a tag and in the operation id.
        return [token.strip("._") for token in super()._tokenize_path()]

    def map_parsers(self):
        parsers = super().map_parsers()
        # A view that takes JSON is documented as taking JSON only; one that does not (the
        # evidence upload's multipart) keeps what it takes.
        return [JSONParser.media_type] if JSONParser.media_type in parsers else parsers

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        # DRF drops `allow_blank` from read-only model fields, so the choices of a field that
        # is blank in the database (a compliance's `reason` before any rejection) would be
        # documented without the "" the API answers.
        if (
            isinstance(field, serializers.ChoiceField)
            and field.read_only
            and "" not in schema.get("enum", [""])
            and _model_field_is_blank(field)
        ):
            schema["enum"] = [*schema["enum"], ""]
        return schema

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self._idempotent():
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    {"type": "string", "maxLength": 255},
                    OpenApiParameter.HEADER,
                    description="Makes a retry safe: a request repeated with the same key within "
                    "24 hours answers the first response again (with `Idempotent-Replayed: "
                    "true`) and changes nothing; the same key with a different request is 422.",
                )
            )
        return parameters

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for status in self._problem_statuses(operation):
            # A view that documents a status itself (e.g. 409 with its own example) keeps it.
            responses.setdefault(str(status), self._problem_response(status))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _problem_statuses(self, operation) -> list[int]:
        parameters = operation.get("parameters", [])
        takes_path = any(p.get("in") == "path" for p in parameters)
        writes = self.method in WRITE_METHODS
        # Every operation is authenticated (HasScope is the default permission), every one
        # reads the database, and kernel.middleware refuses a NUL byte in any path or query.
        statuses = [400, 401, 403, 503]
        # Detail paths, and lists: DRF's cursor pagination answers 404 to a forged cursor.
        if takes_path or any(p.get("name") == "cursor" for p in parameters):
            statuses.append(404)
        if writes:
            statuses += [409, 413]
        if self._idempotent():
            statuses.append(422)
        if self.view.get_throttles():
            statuses.append(429)
        return sorted(statuses)

    def _problem_response(self, status: int) -> dict:
        component = self.resolve_serializer(ProblemSerializer(), "response")
        response = {
            "description": PROBLEM_DESCRIPTIONS[status],
            "content": {PROBLEM_CONTENT_TYPE: {"schema": component.ref}},
        }
        if status in (429, 503):
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer"},
                }
            }
        return response
