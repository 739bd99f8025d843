"""The part of STIX 2.1 patterning (§9) that a report's indicators can say: an OR of equalities
on an object's `value`, `[domain-name:value = 'x'] OR [url:value = 'y']`, also written inside
one observation expression, `[domain-name:value = 'x' OR url:value = 'y']`, with any
parentheses.

A small parser of its own rather than the `stix2-patterns` package: the grammar we accept is
a few lines, and everything outside it must fail with a message that says why (AND, another
operator, a qualifier, another property), which a general parser's syntax tree would then have
to be searched for anyway."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Keywords of the full grammar, so that each one outside our subset gets its own message.
_OPERATORS = {"!=", "<", "<=", ">", ">=", "LIKE", "MATCHES", "IN", "ISSUBSET", "ISSUPERSET"}
_QUALIFIERS = {"WITHIN", "REPEATS", "START", "STOP"}
_KEYWORDS = {"OR", "AND", "FOLLOWEDBY", "NOT", "EXISTS", *_OPERATORS, *_QUALIFIERS}

# An object path: a type, then properties, quoted ('SHA-256') or not, and list steps ([*]).
_STEP = r"(?:[A-Za-z0-9_]+|'[^']*')"
_TOKEN = re.compile(
    rf"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<typed>[thb]'(?:[^'\\]|\\.)*')
  | (?P<path>[a-z0-9][a-z0-9-]*:{_STEP}(?:\.{_STEP}|\[(?:\*|\d+)\])*)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[\[\](),])
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)
MAX_PATTERN_LENGTH = 65536  # far above any OR of a report's 100 indicators
# Parentheses nest by recursion here; far deeper than any real pattern, far below Python's
# recursion limit (which ~350 levels reached: the job then failed whole, for ever).
MAX_NESTING = 32
# §9.3: inside a string literal only \' and \\ are escapes. The token above finds where a
# literal ends (any backslash pair); this says whether its escapes are the grammar's.
_LITERAL_BODY = re.compile(r"(?:[^\\']|\\['\\])*")
_ESCAPE = re.compile(r"\\(['\\])")


class PatternError(ValueError):
    """A pattern outside the subset we import; str() says why, for the poster."""


@dataclass(frozen=True)
class Equality:
    type: str  # the SCO type, e.g. "domain-name"
    prop: str  # the object path after the type, e.g. "value"
    value: str  # the literal, unescaped


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    at: int


def _tokens(pattern: str) -> list[_Token]:
    tokens, at = [], 0
    while at < len(pattern):
        match = _TOKEN.match(pattern, at)
        if match is None:
            raise PatternError(f"the pattern cannot be read at character {at + 1}")
        kind = match.lastgroup or ""
        if kind != "space":
            text = match.group()
            if kind == "word" and text.upper() in _KEYWORDS:
                kind, text = "keyword", text.upper()
            tokens.append(_Token(kind, text, at))
        at = match.end()
    return tokens


def _unescape(literal: str) -> str:
    body = literal[1:-1]
    if _LITERAL_BODY.fullmatch(body) is None:
        raise PatternError("a string holds an escape other than \\' or \\\\")
    # One pass, left to right, as the grammar reads it: no character is unescaped twice.
    return _ESCAPE.sub(r"\1", body)


class _Parser:
    def __init__(self, pattern: str):
        self.tokens = _tokens(pattern)
        self.i = 0
        self.depth = 0
        self.found: list[Equality] = []

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise PatternError("the pattern ends too early")
        self.i += 1
        return token

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise PatternError(f"expected {text!r} at character {token.at + 1}")

    def open_parenthesis(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise PatternError(f"parentheses nest deeper than {MAX_NESTING} levels")

    def refuse_joiner(self, token: _Token | None) -> None:
        if token is None or token.kind != "keyword":
            return
        if token.text == "AND":
            raise PatternError("AND is not supported: only an OR of equalities")
        if token.text == "FOLLOWEDBY":
            raise PatternError("FOLLOWEDBY is not supported: only an OR of equalities")
        if token.text in _QUALIFIERS:
            raise PatternError(f"the qualifier {token.text} is not supported")

    def observations(self) -> None:
        self.observation()
        while (token := self.peek()) is not None and token.text == "OR":
            self.take()
            self.observation()
        self.refuse_joiner(self.peek())

    def observation(self) -> None:
        token = self.take()
        if token.text == "(":
            self.open_parenthesis()
            self.observations()
            self.expect(")")
            self.depth -= 1
        elif token.text == "[":
            self.comparisons()
            self.expect("]")
        else:
            raise PatternError(f"expected '[' at character {token.at + 1}")
        self.refuse_joiner(self.peek())

    def comparisons(self) -> None:
        self.comparison()
        while (token := self.peek()) is not None and token.text == "OR":
            self.take()
            self.comparison()
        self.refuse_joiner(self.peek())

    def comparison(self) -> None:
        token = self.take()
        if token.text == "(":
            self.open_parenthesis()
            self.comparisons()
            self.expect(")")
            self.depth -= 1
            self.refuse_joiner(self.peek())
            return
        if token.text == "EXISTS":
            raise PatternError("EXISTS is not supported: only equalities (=)")
        if token.kind != "path":
            raise PatternError(f"expected an object path at character {token.at + 1}")
        operator = self.take()
        if operator.text == "NOT":
            raise PatternError("NOT is not supported: only equalities (=)")
        if operator.text in _OPERATORS:
            raise PatternError(f"the operator {operator.text} is not supported: only =")
        if operator.text != "=":
            raise PatternError(f"expected '=' at character {operator.at + 1}")
        literal = self.take()
        if literal.kind != "string":
            raise PatternError(f"{token.text} must equal a string, as in '…'")
        sco_type, _, prop = token.text.partition(":")
        self.found.append(Equality(sco_type, prop, _unescape(literal.text)))
        self.refuse_joiner(self.peek())


def equalities(pattern: str) -> list[Equality]:
    """The equalities an OR-of-equalities pattern names, in order; PatternError otherwise."""
    if not isinstance(pattern, str) or not pattern.strip():
        raise PatternError("the indicator has no pattern")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"the pattern is longer than {MAX_PATTERN_LENGTH} characters")
    parser = _Parser(pattern)
    parser.observations()
    extra = parser.peek()
    if extra is not None:
        raise PatternError(f"unexpected {extra.text!r} at character {extra.at + 1}")
    return parser.found
