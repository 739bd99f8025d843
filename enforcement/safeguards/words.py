"""How the safeguards word a hit or a warning: lazily, in the language active whenever
it is read."""

from __future__ import annotations

from django.utils.functional import lazy
from django.utils.translation import gettext

# --------------------------------------------------------------------------- words


def _fill(message: str, params: dict) -> str:
    return gettext(message) % params


_lazy_fill = lazy(_fill, str)


def _words(message: str, **params) -> str:
    """`message` (marked with gettext_noop) with its placeholders filled in, read in the language
    active whenever it is read: the check shows a hit or a warning in the issuer's language, the
    API in English, and `services` stores it in English. A lazy value within `params` is read
    in that language too."""
    return _lazy_fill(message, params)
