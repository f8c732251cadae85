"""A small safe expression language for breakpoint conditions and `p` / `display`.

Text is tokenized and parsed into a tree of frozen dataclasses; the tree is then walked against the
fields of one trace event. Nothing is ever run as Python, and a name can only read a field.

    expr       := or
    or         := and ('or' and)*
    and        := not ('and' not)*
    not        := 'not' not | comparison
    comparison := operand (op operand)?        # no chaining: `a < b < c` is an error
    op         := == | != | < | <= | > | >= | in | not in
    operand    := literal | path | list | '(' expr ')'
    path       := NAME ('.' NAME | '[' INT ']' | '[' STRING ']')*
    list       := '[' (literal (',' literal)* ','?)? ']'
    literal    := INT | FLOAT | STRING | true | false | null       (also True, False, None)

Examples: `duration_ms > 500 and usage.total_tokens > 1000`, `error`, `"timeout" in error.message`,
`name in ["search", "fetch"]`, `messages[-1].role == "user"`, `attrs["gen_ai.request.model"] != null`.

- NAME is `[A-Za-z_][A-Za-z0-9_]*`, not a keyword, and not starting with `__`. After `.` a keyword is
  a field name too (`outputs.in`). Other keys, such as ones holding dots, are reached with `["..."]`.
- Strings take single or double quotes and the escapes \\\\ \\' \\" \\n \\t \\r \\uXXXX.
- `-` is only a sign written directly before a number (`-1`, `x[-2]`); there is no arithmetic.
- A text over 2000 characters, or nested over 50 levels of parentheses and `not`, is an error.

Values are JSON values, or MISSING when a field or step does not exist:
- `.name` and `["key"]` read a dict's key, `[i]` a list's element (negative from the end); anything
  else is MISSING, and so is every step after it.
- `==` compares numbers (not booleans) numerically, everything else only within the same JSON kind:
  `1 == 1.0` is true; `true == 1`, `"1" == 1` and anything `==` MISSING are false. `!=` is `not ==`.
- `<`, `<=`, `>`, `>=` compare two numbers or two strings; anything else is false.
- `a in b` is a substring test when both are strings, `==` membership in a list, a key test in a dict,
  and false otherwise. `a not in b` is exactly `not (a in b)`, as `!=` is `not ==`.
- `and`, `or`, `not` give booleans. MISSING, null, false, 0, "", [] and {} are false; so a bare
  operand is a condition too: `b llm if error`.
"""

from __future__ import annotations

import enum
import operator
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Union

from ..model.errors import UsageError

MAX_LENGTH = 2000
MAX_DEPTH = 50

Resolve = Callable[[str], Any]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing.MISSING  # "no such field"; an enum member stays one object through copy and pickle


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
        line = "".join(char if char.isprintable() else " " for char in self.text)  # keep it one line, aligned
        return f"{line}\n{' ' * (self.column - 1)}^"


# --- the tree ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any  # a number, string, bool or None; a tuple for a list literal, so the node stays hashable


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


def parse_expression(text: str) -> Expr:
    """Parse the whole of `text`, or raise ExprError with the column of the first problem.

    >>> parse_expression("usage.total_tokens > 1000").node
    Compare(op='>', left=Path(name='usage', steps=('total_tokens',)), right=Literal(value=1000))
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression has {len(text)} characters; the limit is {MAX_LENGTH}", MAX_LENGTH + 1, text)
    return Expr(text, _Parser(text).parse())


def evaluate(expr: Expr, resolve: Resolve) -> Any:
    """The value of `expr`, reading top-level fields with `resolve(name)` (which gives a value or MISSING)."""
    return _value(expr.node, resolve)


def truthy(expr: Expr, resolve: Resolve) -> bool:
    """Whether `expr` holds, as a breakpoint condition: MISSING, null, false, 0, "", [] and {} do not."""
    return _truth(evaluate(expr, resolve))


def names(expr: Expr) -> frozenset[str]:
    """The top-level field names `expr` reads: `usage.total_tokens > 1 or error` -> {usage, error}."""
    found, pending = set(), [expr.node]
    while pending:
        node = pending.pop()
        if isinstance(node, Path):
            found.add(node.name)
        elif isinstance(node, Compare):
            pending += [node.left, node.right]
        elif isinstance(node, Not):
            pending.append(node.operand)
        elif isinstance(node, Logic):
            pending += node.operands
    return frozenset(found)


# --- the tokenizer ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # number, string, name, keyword, op, punct, end
    value: Any
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
        return _Token("number", value, column, raw)
    if match.group("name"):
        if raw.startswith("__"):
            raise ExprError("names starting with __ are not fields", column, text)
        return _Token("keyword" if raw in _KEYWORDS else "name", raw, column, raw)
    return _Token(match.lastgroup or "", raw, column, raw)


def _scan_string(text: str, start: int) -> tuple[str, int]:
    """The value of the string literal opening at `start`, and the position after its closing quote."""
    quote, parts, pos = text[start], [], start + 1
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
        return chr(int(text[pos + 2 : pos + 6], 16)), pos + 6
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
            return self.advance().value
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

    def parse_literal(self) -> Any:
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


# --- evaluation -------------------------------------------------------------------------------------


def _kind(value: Any) -> str:
    """The JSON kind of a value; bool is not a number, and anything outside JSON is `other`."""
    if value is MISSING or value is None:
        return "missing" if value is MISSING else "null"
    for kind, types in _KINDS:  # bool before number: to isinstance, a bool is an int
        if isinstance(value, types):
            return kind
    return "other"


_KINDS = (("bool", bool), ("number", (int, float)), ("string", str), ("list", (list, tuple)), ("dict", dict))


def _value(node: Node, resolve: Resolve) -> Any:
    if isinstance(node, Literal):
        return list(node.value) if isinstance(node.value, tuple) else node.value
    if isinstance(node, Path):
        value = resolve(node.name)
        for step in node.steps:
            value = _step(value, step)
        return value
    if isinstance(node, Compare):
        return _compare(node.op, _value(node.left, resolve), _value(node.right, resolve))
    if isinstance(node, Not):
        return not _truth(_value(node.operand, resolve))
    truths = (_truth(_value(operand, resolve)) for operand in node.operands)
    return all(truths) if node.op == "and" else any(truths)


def _truth(value: Any) -> bool:
    kind = _kind(value)
    if kind in ("bool", "number"):
        return value != 0
    if kind in ("string", "list", "dict"):
        return len(value) > 0
    return kind == "other"  # present, but never asked: a foreign __bool__ could raise


def _step(value: Any, step: str | int) -> Any:
    if isinstance(step, str):
        return value.get(step, MISSING) if isinstance(value, dict) else MISSING
    if isinstance(value, (list, tuple)) and -len(value) <= step < len(value):
        return value[step]
    return MISSING


def _equal(left: Any, right: Any) -> bool:
    """JSON equality, iterative so deep values cannot overflow the stack, and safe on cycles."""
    pending, seen = [(left, right)], set()
    while pending:
        a, b = pending.pop()
        kind = _kind(a)
        if kind != _kind(b) or kind == "missing" or (kind == "other" and a is not b):
            return False
        if kind in ("list", "dict"):
            if len(a) != len(b) or (kind == "dict" and a.keys() != b.keys()):
                return False
            if (id(a), id(b)) not in seen:  # a pair met again is equal unless proven otherwise elsewhere
                seen.add((id(a), id(b)))
                pending.extend(zip(a, b) if kind == "list" else ((a[key], b[key]) for key in a))
        elif kind != "other" and a != b:
            return False
    return True


def _contains(container: Any, item: Any) -> bool:
    kind = _kind(container)
    if kind == "list":
        return any(_equal(item, element) for element in container)
    if kind in ("string", "dict"):
        return isinstance(item, str) and item in container
    return False


def _compare(op: str, left: Any, right: Any) -> bool:
    if op in ("==", "!="):
        return _equal(left, right) == (op == "==")
    if op in ("in", "not in"):
        return _contains(right, left) == (op == "in")
    kind = _kind(left)  # an ordering: two numbers or two strings, else false
    return kind == _kind(right) and kind in ("number", "string") and _ORDERINGS[op](left, right)


_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
