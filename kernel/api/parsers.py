"""The API's JSON parser: DRF's, refusing bodies nested deeper than any of our shapes needs.

`json.loads` raises RecursionError (not ValueError, which DRF turns into 400) on `[[[[…]]]]`
about 1,000 deep, and a body that still parses a few hundred deep can exhaust the stack later,
in validation, an error message's repr() or the idempotency fingerprint. Our deepest shape is
a bulk report's indicator (`{"reports": [{"indicators": [{"value": …}]}]}`, depth 4), so a
body deeper than MAX_DEPTH is refused as malformed before anything else reads it.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_too_deep()) from None
        if _depth_exceeds(data, MAX_DEPTH):
            raise ParseError(_too_deep())
        return data


def _too_deep() -> str:
    return f"Malformed JSON: nested more than {MAX_DEPTH} levels deep."


def _depth_exceeds(data, limit: int) -> bool:
    """Iterative (no recursion of our own); visits containers only, so a 1,000-report bulk
    body costs a few thousand steps."""
    stack = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
