"""The condition language of `replay`: parsing with exact error columns, JSON-kind comparison rules, and
evaluation that never raises, whatever the text or the event holds."""

from __future__ import annotations

import copy
import dataclasses
import random
from typing import Any

import pytest

from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.replay.expr import (
    MISSING,
    Compare,
    ExprError,
    Literal,
    Logic,
    Not,
    Path,
    evaluate,
    names,
    parse_expression,
    truthy,
)

EVENT: dict[str, Any] = {
    "name": "planner",
    "duration_ms": 750,
    "ratio": 0.5,
    "usage": {"total_tokens": 1200, "prompt_tokens": 1000},
    "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
    "attrs": {"gen_ai.request.model": "gpt-4o", "in": 1},
    "error": None,
    "flag": True,
    "off": False,
    "empty": "",
    "zero": 0,
    "tags": ["a", "b"],
    "nothing": {},
    "none_list": [],
}


def resolve(name: str) -> Any:
    return EVENT.get(name, MISSING)


def value(text: str) -> Any:
    return evaluate(parse_expression(text), resolve)


def holds(text: str) -> bool:
    return truthy(parse_expression(text), resolve)


def error_of(text: str) -> ExprError:
    with pytest.raises(ExprError) as caught:
        parse_expression(text)
    return caught.value


# --- paths


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name", "planner"),
        ("usage.total_tokens", 1200),
        ("messages[0].role", "system"),
        ("messages[-1].content", "hi"),
        ("messages[1]['role']", "user"),
        ('attrs["gen_ai.request.model"]', "gpt-4o"),
        ("attrs.in", 1),  # a keyword after '.' is a field name
        ("usage", {"total_tokens": 1200, "prompt_tokens": 1000}),
    ],
)
def test_path_steps_read_dict_keys_and_list_elements(text: str, expected: Any) -> None:
    assert value(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "nope",  # no such field
        "usage.nope",  # no such key
        "usage.total_tokens.deeper",  # a step into a number
        "messages[2]",  # past the end
        "messages[-3]",  # before the start
        "messages[0].nope.deeper",  # every step after a missing one
        "name.length",  # a key on a string
        "name[0]",  # an index into a string
        "usage[0]",  # an index into a dict
        'messages["0"]',  # a key on a list
        "error.message",  # a key on null
    ],
)
def test_a_step_that_does_not_exist_gives_missing(text: str) -> None:
    assert value(text) is MISSING


# --- operators and their type rules


@pytest.mark.parametrize(
    "text, expected",
    [
        ("duration_ms == 750", True),
        ("duration_ms == 751", False),
        ("duration_ms != 751", True),
        ("duration_ms != 750", False),
        ("duration_ms < 751", True),
        ("duration_ms < 750", False),
        ("duration_ms <= 750", True),
        ("duration_ms <= 749", False),
        ("duration_ms > 500", True),
        ("duration_ms > 750", False),
        ("duration_ms >= 750", True),
        ("duration_ms >= 751", False),
        ("'a' in tags", True),
        ("'c' in tags", False),
        ("'c' not in tags", True),
        ("'a' not in tags", False),
    ],
)
def test_each_operator(text: str, expected: bool) -> None:
    assert value(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 == 1.0", True),  # numbers compare numerically
        ("ratio == 0.5", True),
        ("true == 1", False),  # a bool is not a number
        ("flag == 1", False),
        ("off == 0", False),
        ('"1" == 1', False),  # nor is a string
        ("null == null", True),
        ("error == null", True),
        ("nope == nope", False),  # MISSING equals nothing, not even MISSING
        ("nope == null", False),
        ("nope != 1", True),
        ("[1, 2.0] == [1.0, 2]", True),  # lists compare element by element with the same rules
        ("[1, true] == [1, 1]", False),
        ("[1] == [1, 1]", False),
        ("usage == usage", True),
        ("usage == nothing", False),
        ("tags == ['a', 'b']", True),
        ("nothing == []", False),  # an empty dict is not an empty list
    ],
)
def test_equality_compares_within_one_json_kind(text: str, expected: bool) -> None:
    assert value(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ('"b" > "a"', True),  # two strings order
        ("1.5 < 2", True),  # int and float order
        ("'a' < 1", False),  # mixed kinds never order
        ("nope < 1", False),
        ("nope >= 1", False),
        ("error < 1", False),
        ("flag > 0", False),  # a bool is not a number
        ("tags > []", False),  # lists do not order
    ],
)
def test_ordering_needs_two_numbers_or_two_strings(text: str, expected: bool) -> None:
    assert value(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("'plan' in name", True),  # substring
        ("'PLAN' in name", False),
        ("1 in name", False),  # only a string is in a string
        ("1 in [true]", False),  # list membership uses the == rules
        ("true in [1]", False),
        ("1.0 in [1, 2]", True),
        ("'in' in attrs", True),  # a dict's keys
        ("'nope' in attrs", False),
        ("1 in usage", False),
        ("'x' in duration_ms", False),  # not a container
        ("'x' in nope", False),
        ("nope in tags", False),
        ("'x' not in duration_ms", True),  # `not in` is exactly `not (in)`
        ("'x' not in nope", True),
        ("'plan' not in name", False),
    ],
)
def test_in_and_not_in(text: str, expected: bool) -> None:
    assert value(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("flag", True),
        ("ratio", True),
        ("tags", True),
        ("usage", True),
        ("'x'", True),
        ("nope", False),
        ("error", False),
        ("off", False),
        ("zero", False),
        ("0.0", False),
        ("empty", False),
        ("none_list", False),
        ("nothing", False),
        ("[]", False),
    ],
)
def test_a_bare_operand_is_a_condition_by_its_truthiness(text: str, expected: bool) -> None:
    assert holds(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name and duration_ms", True),
        ("error or zero", False),
        ("error or name", True),
        ("not nope", True),
        ("not name", False),
        ("flag and nope", False),
    ],
)
def test_and_or_not_give_booleans_not_operands(text: str, expected: bool) -> None:
    assert value(text) is expected


# --- precedence and structure


@pytest.mark.parametrize(
    "text, tree",
    [
        ("not a == 1 or b", Logic("or", (Not(Compare("==", Path("a"), Literal(1))), Path("b")))),
        ("a or b and c", Logic("or", (Path("a"), Logic("and", (Path("b"), Path("c")))))),
        ("a and b or c", Logic("or", (Logic("and", (Path("a"), Path("b"))), Path("c")))),
        ("a and b and c", Logic("and", (Path("a"), Path("b"), Path("c")))),  # a chain stays flat
        ("not not a", Not(Not(Path("a")))),
        ("not (a or b)", Not(Logic("or", (Path("a"), Path("b"))))),
        ("(a or b) and c", Logic("and", (Logic("or", (Path("a"), Path("b"))), Path("c")))),
        ("not x in y", Not(Compare("in", Path("x"), Path("y")))),
        ("x not in y", Compare("not in", Path("x"), Path("y"))),
        ("a[0].b['c'][-1]", Path("a", (0, "b", "c", -1))),
        ("((a))", Path("a")),
    ],
)
def test_precedence_not_over_comparison_and_over_or(text: str, tree: Any) -> None:
    assert parse_expression(text).node == tree


def test_parentheses_change_the_result() -> None:
    assert holds("nope and flag or name") is True
    assert holds("nope and (flag or name)") is False


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1", 1),
        ("-2", -2),
        ("1.5", 1.5),
        ("1e3", 1000.0),
        ("-2.5e-1", -0.25),
        ('"x"', "x"),
        ("'x'", "x"),
        ("true", True),
        ("True", True),
        ("false", False),
        ("False", False),
        ("null", None),
        ("None", None),
        ("[]", []),
        ("[1, 'a', null, -1.5]", [1, "a", None, -1.5]),
        ("[1, 2,]", [1, 2]),  # a trailing comma
    ],
)
def test_literals(text: str, expected: Any) -> None:
    result = value(text)
    assert result == expected and type(result) is type(expected)


@pytest.mark.parametrize(
    "text, expected",
    [
        (r'"a\\b"', "a\\b"),
        (r"'it\'s'", "it's"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"\n\t\r"', "\n\t\r"),
        (r'"caf\u00e9"', "café"),
        ("'say \"hi\"'", 'say "hi"'),  # the other quote needs no escape
        ('"a;b==c"', "a;b==c"),  # anything goes inside a string
    ],
)
def test_string_escapes(text: str, expected: str) -> None:
    assert value(text) == expected


def test_a_list_literal_keeps_the_tree_hashable() -> None:
    assert hash(parse_expression("x in [1, 'a']")) == hash(parse_expression("x in [1, 'a']"))


def test_nodes_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_expression("a").node.name = "b"


def test_the_expression_keeps_its_text() -> None:
    expr = parse_expression("duration_ms > 500")
    assert expr.text == "duration_ms > 500" and str(expr) == "duration_ms > 500"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("usage.total_tokens > 1 or error", {"usage", "error"}),
        ("not (a and b[0].c) or d in e", {"a", "b", "d", "e"}),
        ('x["y"] == x.z', {"x"}),
        ("1 == 1 and 'a' in [1]", set()),
    ],
)
def test_names_lists_the_top_level_fields_read(text: str, expected: set[str]) -> None:
    assert names(parse_expression(text)) == frozenset(expected)


def test_missing_is_one_falsy_object() -> None:
    assert repr(MISSING) == "MISSING"
    assert not MISSING
    assert copy.deepcopy(MISSING) is MISSING


# --- errors


@pytest.mark.parametrize(
    "text, column, reason",
    [
        ("duration_ms >", 14, "expected a value after '>'"),
        ("a < b < c", 7, "comparisons do not chain"),
        ("a in b in c", 8, "comparisons do not chain"),
        ('__import__("os").system("id")', 1, "names starting with __ are not fields"),
        ("a.__class__", 3, "names starting with __ are not fields"),
        ("len(outputs)", 4, "calls are not allowed: a condition compares fields and values"),
        ("a.b(1)", 4, "calls are not allowed"),
        ("a = 1", 3, "unexpected character '='"),
        ("a ; b", 3, "unexpected character ';'"),
        ('"abc', 1, "unterminated string"),
        ("x == 'abc\\'", 6, "unterminated string"),
        ("a and", 6, "expected a value after 'and'"),
        ("a or", 5, "expected a value after 'or'"),
        ("not", 4, "expected a value after 'not'"),
        ("x == not y", 6, "expected a value after '==', found 'not'"),
        ("(a", 3, "expected ')' to close the '(' at column 1"),
        ("(a b", 4, "expected ')' to close the '(' at column 1, found 'b'"),
        ("[1, 2", 6, "expected ',' or ']' to close the '[' at column 1"),
        ("[1 2]", 4, "expected ',' or ']'"),
        ("[a]", 2, "a list holds only literals"),
        ("[[1]]", 2, "a list holds only literals"),
        ("[,]", 2, "expected a value after '['"),
        ("", 1, "expected an expression"),
        ("   ", 1, "expected an expression"),
        ("a.", 3, "expected a field name after '.'"),
        ("a.1", 3, "expected a field name after '.'"),
        ("a[1.5]", 3, "expected an integer index or a quoted key"),
        ("a[b]", 3, "expected an integer index or a quoted key"),
        ("a[1", 4, "expected ']' after the index"),
        ("a b", 3, "unexpected 'b' after a complete expression"),
        ("a == 1 )", 8, "unexpected ')'"),
        ("a not b", 7, "expected 'in' after 'not'"),
        ("- 1", 1, "unexpected character '-'"),
        ("a - 1", 3, "unexpected character '-'"),
        ('"\\q"', 2, "unknown escape \\q"),
        ('"\\u12"', 2, "\\u takes four hex digits"),
        ("a > > ;", 5, "expected a value after '>'"),  # the first problem in the text wins
    ],
)
def test_errors_name_the_problem_and_its_column(text: str, column: int, reason: str) -> None:
    error = error_of(text)
    assert (error.column, error.text) == (column, text)
    assert error.message.startswith(f"column {column}: {reason}")


@pytest.mark.parametrize("char", ["+", "*", "/", "@", "&", "|", "`", "!", "#", "$", "{", "~", "é"])
def test_a_character_outside_the_language_is_named_with_its_column(char: str) -> None:
    error = error_of(f"a {char} b")
    assert error.column == 3
    assert error.reason == f"unexpected character {char!r}"


@pytest.mark.parametrize(
    "text, hint",
    [("a = 1", "use == to compare"), ("a & b", "use 'and'"), ("a | b", "use 'or'"), ("a < b < c", "join them")],
)
def test_common_slips_come_with_a_hint(text: str, hint: str) -> None:
    assert hint in (error_of(text).hint or "")


def test_the_error_is_a_usage_error_whose_text_carries_the_hint() -> None:
    error = error_of("a = 1")
    assert isinstance(error, UsageError)
    assert str(error) == "column 3: unexpected character '=' (use == to compare)"


def test_too_long_an_expression_is_an_error_at_the_first_character_past_the_limit() -> None:
    assert parse_expression("a" * 2000).node == Path("a" * 2000)
    error = error_of("a" * 2001)
    assert error.column == 2001 and "limit is 2000" in error.reason


@pytest.mark.parametrize(
    "text, column",
    [
        ("(" * 200 + "a" + ")" * 200, 51),
        ("not " * 200 + "a", 201),
        ("(not " * 30 + "a" + ")" * 30, 126),  # parentheses and `not` count together
    ],
)
def test_too_deep_nesting_is_an_error_not_a_recursion_error(text: str, column: int) -> None:
    error = error_of(text)
    assert error.column == column and "nested too deeply" in error.reason


def test_fifty_levels_of_nesting_are_allowed() -> None:
    assert value("(" * 50 + "name" + ")" * 50) == "planner"
    assert value("not " * 50 + "name") is True


@pytest.mark.parametrize(
    "text, pointer",
    [
        ("duration_ms >", "duration_ms >\n             ^"),
        ("len(x)", "len(x)\n   ^"),
        ("a\t= 1", "a = 1\n  ^"),  # a tab shows as one space, so the caret stays under its column
    ],
)
def test_pointer_puts_a_caret_under_the_column(text: str, pointer: str) -> None:
    assert error_of(text).pointer() == pointer


# --- odd values never raise


class Hostile:
    """A value outside JSON whose every special method raises."""

    def __bool__(self) -> bool:
        raise RuntimeError("bool")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq")

    def __lt__(self, other: object) -> bool:
        raise RuntimeError("lt")

    def __len__(self) -> int:
        raise RuntimeError("len")

    __hash__ = None  # type: ignore[assignment]


def deep_list(depth: int, leaf: Any) -> list:
    value: Any = leaf
    for _ in range(depth):
        value = [value]
    return value


def test_comparing_values_nested_deeper_than_the_stack_does_not_raise() -> None:
    env = {"a": deep_list(100_000, 1), "b": deep_list(100_000, 1), "c": deep_list(100_000, 2)}
    expr_same, expr_different = parse_expression("a == b"), parse_expression("a in [1] or a == c")
    assert evaluate(expr_same, env.__getitem__) is True
    assert evaluate(expr_different, env.__getitem__) is False


def test_cyclic_values_compare_without_looping() -> None:
    first: list = []
    first.append(first)
    second: list = []
    second.append(second)
    assert evaluate(parse_expression("a == b"), {"a": first, "b": second}.__getitem__) is True


@pytest.mark.parametrize(
    "text", ["h", "h == h", "h != 1", "h < h", "h in h", "h not in [1]", "1 in h", "h.x", "h[0]", "not h"]
)
def test_values_outside_json_are_never_asked_anything(text: str) -> None:
    hostile = Hostile()
    truthy(parse_expression(text), lambda name: hostile)  # no RuntimeError


# --- properties: any text parses or gives ExprError; any parsed expression evaluates without raising

TOKENS = [
    "a", "b", "c.d", "x[0]", "x[-1]", "y['k']", "1", "-2", "1.5", "1e3", '"s"', "'t'", "'", '"', "\\",
    "==", "!=", "<", "<=", ">", ">=", "=", "!", "in", "not", "and", "or", "true", "null", "None",
    "(", ")", "[", "]", ",", ".", "-", ";", "__x", "f(", "é", "\t", "\\u00", "",
]  # fmt: skip


OPERANDS = ["a", "b.k", "x[0]", "x[-1]", "y['k']", "c.d.a[0]", "1", "-2", "1.5", "'s'", "true", "null", "[1, 'a']"]
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "in", "not in"]


def random_valid(rng: random.Random, depth: int = 0) -> str:
    """A text the grammar accepts: operands, comparisons, and/or/not and parentheses."""
    roll = rng.random()
    if depth > 3 or roll < 0.3:
        return rng.choice(OPERANDS)
    if roll < 0.6:
        return f"{rng.choice(OPERANDS)} {rng.choice(OPERATORS)} {rng.choice(OPERANDS)}"
    if roll < 0.7:
        return f"not {random_valid(rng, depth + 1)}"
    if roll < 0.8:
        return f"({random_valid(rng, depth + 1)})"
    return f"{random_valid(rng, depth + 1)} {rng.choice(['and', 'or'])} {random_valid(rng, depth + 1)}"


def random_text(rng: random.Random) -> str:
    """Valid text, valid text with one character changed, or a jumble of tokens and characters."""
    roll = rng.random()
    if roll < 0.5:
        text = random_valid(rng)
        if roll < 0.25:  # damage it at one place
            at = rng.randrange(len(text) + 1)
            text = text[:at] + rng.choice(TOKENS) + text[at + rng.randint(0, 1) :]
        return text
    if roll < 0.6:
        return "".join(rng.choice("ab01._[](),'\"\\=<>!- n") for _ in range(rng.randint(0, 12)))
    separator = rng.choice(["", " "])
    return separator.join(rng.choice(TOKENS) for _ in range(rng.randint(0, 9)))


def random_json(rng: random.Random, depth: int = 0) -> Any:
    scalar = rng.choice([None, True, False, 0, 1, -1, 1.5, float("nan"), "", "s", "k", "a"])
    if depth > 3 or rng.random() < 0.4:
        return scalar
    if rng.random() < 0.5:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(["k", "d", "a", "0"]): random_json(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def random_parsed(count: int) -> list:
    rng, parsed = random.Random(20240601), []
    for _ in range(count):
        text = random_text(rng)
        try:
            parsed.append(parse_expression(text))
        except ExprError as error:
            assert 1 <= error.column <= len(text) + 1, text
    return parsed


def test_random_text_parses_or_raises_expr_error_with_a_column_inside_it() -> None:
    parsed = random_parsed(5000)
    assert 1000 < len(parsed) < 4000  # both outcomes are exercised


def test_parsed_expressions_evaluate_against_random_json_without_raising() -> None:
    rng = random.Random(7)
    environments = [{name: random_json(rng) for name in ("a", "b", "x", "y", "c")} for _ in range(20)]
    for expr in random_parsed(3000):
        for env in environments:
            evaluate(expr, lambda name, env=env: env.get(name, MISSING))
            assert truthy(expr, lambda name, env=env: env.get(name, MISSING)) in (True, False)
