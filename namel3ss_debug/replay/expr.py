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
`name in ["search", "fetch"]`, `messages[-1].role == "user"`, `attrs["gen_ai.request.model"] == "gpt-4o"`.

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
- Evaluation never raises: a value outside JSON is true and equal only to itself, and none of its
  methods is called; deep and cyclic values compare without recursion.
"""

from __future__ import annotations

import enum
import operator
from typing import Callable

from .expr_syntax import MAX_DEPTH, Compare, Expr, ExprError, Literal, Logic, Node, Not, Path, parse, pointer
from ..model.json_types import JsonValue

__all__ = ["MAX_DEPTH", "MAX_LENGTH", "MISSING", "Compare", "Expr", "ExprError", "Literal", "Logic", "Not", "Path",
           "evaluate", "names", "parse_expression", "pointer", "truthy"]

MAX_LENGTH = 2000

Resolve = Callable[[str], JsonValue]


class _Missing(enum.Enum):
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing.MISSING  # "no such field"; an enum member stays one object through copy and pickle


def parse_expression(text: str) -> Expr:
    """Parse the whole of `text`, or raise ExprError with the column of the first problem.

    >>> parse_expression("usage.total_tokens > 1000").node
    Compare(op='>', left=Path(name='usage', steps=('total_tokens',)), right=Literal(value=1000))
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression has {len(text)} characters; the limit is {MAX_LENGTH}", MAX_LENGTH + 1, text)
    return Expr(text, parse(text))


def evaluate(expr: Expr, resolve: Resolve) -> JsonValue:
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


# --- evaluation -------------------------------------------------------------------------------------


def _kind(value: JsonValue) -> str:
    """The JSON kind of a value; bool is not a number, and anything outside JSON is `other`."""
    if value is MISSING or value is None:
        return "missing" if value is MISSING else "null"
    for kind, types in _KINDS:  # bool before number: to isinstance, a bool is an int
        if isinstance(value, types):
            return kind
    return "other"


_KINDS = (("bool", bool), ("number", (int, float)), ("string", str), ("list", (list, tuple)), ("dict", dict))


def _value(node: Node, resolve: Resolve) -> JsonValue:
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


def _truth(value: JsonValue) -> bool:
    kind = _kind(value)
    if kind in ("bool", "number"):
        return bool(value != 0)
    if kind in ("string", "list", "dict"):
        return len(value) > 0
    return kind == "other"  # present, but never asked: a foreign __bool__ could raise


def _step(value: JsonValue, step: str | int) -> JsonValue:
    if isinstance(step, str):
        return value.get(step, MISSING) if isinstance(value, dict) else MISSING
    if isinstance(value, (list, tuple)) and -len(value) <= step < len(value):
        return value[step]
    return MISSING


def _equal(left: JsonValue, right: JsonValue) -> bool:
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


def _contains(container: JsonValue, item: JsonValue) -> bool:
    kind = _kind(container)
    if kind == "list":
        return any(_equal(item, element) for element in container)
    if kind in ("string", "dict"):
        return isinstance(item, str) and item in container
    return False


def _compare(op: str, left: JsonValue, right: JsonValue) -> bool:
    if op in ("==", "!="):
        return _equal(left, right) == (op == "==")
    if op in ("in", "not in"):
        return _contains(right, left) == (op == "in")
    kind = _kind(left)  # an ordering: two numbers or two strings, else false
    return kind == _kind(right) and kind in ("number", "string") and _ORDERINGS[op](left, right)


_ORDERINGS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}

