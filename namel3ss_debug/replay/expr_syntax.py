"""The syntax of the replay expression language: its errors, its tree, the tokenizer and the parser.

`expr.py` holds the language's description, its public functions and evaluation; this module turns text
into the tree (or an ExprError with the column of the first problem) and never evaluates anything.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator, Union

from ..model.errors import UsageError
from ..model.json_types import JsonValue

MAX_DEPTH = 50

class ExprError(UsageError):
    """An expression that cannot be parsed: `column` (1-based) says where in `text`.

    `str(error)` reads `column 14: expected a value after '>'`, plus a hint in parentheses if any.
    """

    def __init__(self, reason: str, column: int, text: str, *, hint: str | None = None):
        super().__init__(f"column {column}: {reason}", hint=hint)
        self.reason = reason
        self.column = column
        self.text = text

    def pointer(self) -> str:
        """The expression and, on the line below, a caret under the column."""
        return pointer(self.text, self.column)


def pointer(line: str, column: int) -> str:
    """The line and, below it, a caret under `column` (1-based); a character that is not printable shows as
    a space, so the line stays one line and the caret stays under its column."""
    shown = "".join(char if char.isprintable() else " " for char in line)
    return f"{shown}\n{' ' * max(column - 1, 0)}^"



# --- the tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: JsonValue  # a number, string, bool or None; a tuple for a list literal, so the node stays hashable


@dataclass(frozen=True)
class Path:
    """A top-level field and the steps into it: a str step reads a dict key, an int a list element."""

    name: str
    steps: tuple[str | int, ...] = ()


@dataclass(frozen=True)
class Compare:
    op: str  # == != < <= > >= in, or "not in"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Logic:
    op: str  # "and" or "or"
    operands: tuple[Node, ...]  # two or more, flat, so a long chain does not nest


Node = Union[Literal, Path, Compare, Not, Logic]


@dataclass(frozen=True)
class Expr:
    """A parsed expression and the text it came from, shown back to the user (`if duration_ms > 500`)."""

    text: str
    node: Node

    def __str__(self) -> str:
        return self.text


# --- the tokenizer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, keyword, op, punct, end
    value: JsonValue
    column: int
    text: str  # as written, for messages

    def found(self) -> str:
        """`, found ')'` for messages; nothing at the end of the text."""
        return "" if self.kind == "end" else f", found {self.text!r}"


_KEYWORDS = frozenset({"and", "or", "not", "in", "true", "false", "null", "True", "False", "None"})
_WORDS = {"true": True, "True": True, "false": False, "False": False, "null": None, "None": None}
_TOKEN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<number>-?[0-9]+(?P<fraction>\.[0-9]+)?(?P<exponent>[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|<|>)"
    r"|(?P<punct>[()\[\].,])"
)
_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t", "r": "\r"}
_HEX4 = re.compile(r"[0-9A-Fa-f]{4}")
_HINTS = {
    "=": "use == to compare",
    "!": "use != to compare, or 'not'",
    "&": "use 'and'",
    "|": "use 'or'",
    "-": "'-' is only a sign directly before a number, as in -1",
}


def _tokenize(text: str) -> Iterator[_Token]:
    """Tokens one at a time, so the parser reports the first problem in the text, whichever kind it is."""
    pos = 0
    while pos < len(text):
        if text[pos] in "\"'":
            value, end = _scan_string(text, pos)
            yield _Token("string", value, pos + 1, text[pos:end])
            pos = end
            continue
        match = _TOKEN.match(text, pos)
        if match is None:
            char = text[pos]
            raise ExprError(f"unexpected character {char!r}", pos + 1, text, hint=_HINTS.get(char))
        if match.lastgroup != "space":
            yield _word(match, text)
        pos = match.end()
    yield _Token("end", None, len(text.rstrip()) + 1, "")


def _word(match: re.Match[str], text: str) -> _Token:
    raw, column = match.group(), match.start() + 1
    if match.group("number"):
        value = float(raw) if match.group("fraction") or match.group("exponent") else int(raw)
        if value in (float("inf"), float("-inf")):
            raise ExprError(f"the number {raw} is too large", column, text)
        return _Token("number", value, column, raw)
    if match.group("name"):
        if raw.startswith("__"):
            raise ExprError("names starting with __ are not fields", column, text)
        return _Token("keyword" if raw in _KEYWORDS else "name", raw, column, raw)
    return _Token(match.lastgroup or "", raw, column, raw)


def _scan_string(text: str, start: int) -> tuple[str, int]:
    """The value of the string literal opening at `start`, and the position after its closing quote."""
    quote, pos = text[start], start + 1
    parts: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == quote:
            return "".join(parts), pos + 1
        if char == "\\" and pos + 1 < len(text):
            piece, pos = _scan_escape(text, pos)
            parts.append(piece)
        else:
            parts.append(char)
            pos += 1
    raise ExprError("unterminated string", start + 1, text, hint=f"close it with {quote}")


def _scan_escape(text: str, pos: int) -> tuple[str, int]:
    code = text[pos + 1]
    if code in _ESCAPES:
        return _ESCAPES[code], pos + 2
    if code == "u" and _HEX4.fullmatch(text, pos + 2, pos + 6):
        value = int(text[pos + 2 : pos + 6], 16)
        if 0xD800 <= value <= 0xDFFF:  # half of a UTF-16 pair: no text holds one alone
            raise ExprError("\\u escapes of surrogates (D800-DFFF) are not characters", pos + 1, text,
                            hint="write the character itself")
        return chr(value), pos + 6
    if code == "u":
        raise ExprError("\\u takes four hex digits, as in \\u00e9", pos + 1, text)
    raise ExprError(f"unknown escape \\{code}", pos + 1, text, hint="use \\\\ for a backslash")



# --- the parser -------------------------------------------------------------------------------------


class _Parser:
    """Recursive descent over the grammar in the module docstring, one method per rule."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.previous: _Token | None = None
        self.current = next(self.tokens)
        self.depth = 0

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise self.error("expected an expression", self.current)
        node = self.parse_or()
        if self.current.kind != "end":
            raise self.error(f"unexpected {self.current.text!r} after a complete expression", self.current)
        return node

    def parse_or(self) -> Node:
        return self.parse_logic("or", self.parse_and)

    def parse_and(self) -> Node:
        return self.parse_logic("and", self.parse_not)

    def parse_logic(self, op: str, parse_operand: Callable[[], Node]) -> Node:
        operands = [parse_operand()]
        while self.accept("keyword", op):
            operands.append(parse_operand())
        return operands[0] if len(operands) == 1 else Logic(op, tuple(operands))

    def parse_not(self) -> Node:
        if not self.at("keyword", "not"):
            return self.parse_comparison()
        with self.nested(self.current):
            self.advance()
            return Not(self.parse_not())

    def parse_comparison(self) -> Node:
        left = self.parse_operand()
        op = self.parse_operator()
        if op is None:
            return left
        node = Compare(op, left, self.parse_operand())
        if self.current.kind == "op" or self.at("keyword", "in"):
            raise self.error("comparisons do not chain", self.current, hint="join them with 'and': a < b and b < c")
        return node

    def parse_operator(self) -> str | None:
        if self.current.kind == "op" or self.at("keyword", "in"):
            op: str = self.advance().value  # an operator's or a keyword's value is its text
            return op
        if not self.accept("keyword", "not"):
            return None
        if not self.accept("keyword", "in"):
            raise self.error(f"expected 'in' after 'not'{self.current.found()}", self.current)
        return "not in"

    def parse_operand(self) -> Node:
        token = self.current
        if token.kind == "name":
            return self.parse_path()
        if self.at("punct", "("):
            with self.nested(token):
                self.advance()
                node = self.parse_or()
                self.expect(")", f"expected ')' to close the '(' at column {token.column}")
            return node
        if self.at("punct", "["):
            return self.parse_list()
        return Literal(self.parse_literal())

    def parse_path(self) -> Path:
        name, steps = self.advance().value, []
        while True:
            if self.accept("punct", "."):
                if self.current.kind not in ("name", "keyword"):
                    raise self.error(f"expected a field name after '.'{self.current.found()}", self.current)
                steps.append(self.advance().text)
            elif self.accept("punct", "["):
                if not (self.current.kind == "string" or isinstance(self.current.value, int)):
                    reason = f"expected an integer index or a quoted key after '['{self.current.found()}"
                    raise self.error(reason, self.current)
                steps.append(self.advance().value)
                self.expect("]", "expected ']' after the index")
            elif self.at("punct", "("):
                raise self.error("calls are not allowed: a condition compares fields and values", self.current)
            else:
                return Path(name, tuple(steps))

    def parse_list(self) -> Literal:
        opening, items = self.advance(), []
        while not self.at("punct", "]"):
            if self.current.kind == "name" or self.at("punct", "[") or self.at("punct", "("):
                raise self.error("a list holds only literals: numbers, strings, true, false, null", self.current)
            items.append(self.parse_literal())
            if not self.accept("punct", ","):
                break
        self.expect("]", f"expected ',' or ']' to close the '[' at column {opening.column}")
        return Literal(tuple(items))

    def parse_literal(self) -> JsonValue:
        token = self.current
        if token.kind in ("number", "string"):
            return self.advance().value
        if token.kind == "keyword" and token.value in _WORDS:
            return _WORDS[self.advance().value]
        after = f" after {self.previous.text!r}" if self.previous else ""
        raise self.error(f"expected a value{after}{token.found()}", token)

    # --- helpers

    def advance(self) -> _Token:
        token = self.previous = self.current
        if token.kind != "end":
            self.current = next(self.tokens)
        return token

    def at(self, kind: str, value: str) -> bool:
        return self.current.kind == kind and self.current.value == value

    def accept(self, kind: str, value: str) -> bool:
        if not self.at(kind, value):
            return False
        self.advance()
        return True

    def expect(self, value: str, reason: str) -> None:
        if not self.accept("punct", value):
            raise self.error(reason + self.current.found(), self.current)

    @contextmanager
    def nested(self, token: _Token) -> Iterator[None]:
        """One more level of `(` or `not`; the limit keeps deep input an ExprError, not a RecursionError."""
        if self.depth >= MAX_DEPTH:
            raise self.error(f"nested too deeply: the limit is {MAX_DEPTH} levels of '(' and 'not'", token)
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def error(self, reason: str, token: _Token, *, hint: str | None = None) -> ExprError:
        return ExprError(reason, token.column, self.text, hint=hint)



def parse(text: str) -> Node:
    """The tree of `text`, or an ExprError at the first problem."""
    return _Parser(text).parse()
