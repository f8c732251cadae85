"""The rule vocabulary of `check`, one set of keys for flags, rules files and the workspace `checks` section.

A flag is its key with dashes (`max_p95` <-> `--max-p95`). Values:

| key | value | flag form |
|---|---|---|
| max_errors | count of distinct errors, handled or not | `--max-errors 0` |
| max_unhandled_errors | count of distinct errors that escaped the app | `--max-unhandled-errors 0` |
| max_component_errors | {component: count of failed spans} | `--max-component-errors tool=1` |
| max_category_errors | {category: count of distinct errors} | `--max-category-errors auth=0` |
| max_p95, max_p99, max_latency | {component or component:name: duration} | `--max-p95 llm=3s` |
| max_tokens, max_llm_calls, max_tool_calls | count | `--max-tokens 20000` |
| max_cost | USD | `--max-cost 0.50` |
| max_duration | duration of the run | `--max-duration 2m` |
| require | [spec or spec>=N] | `--require tool:search>=2` |
| require_order | [spec, ...] (one order) or [[spec, ...], ...] | `--require-order llm:planner,tool:search` |
| forbid | [spec] | `--forbid error:auth` |
| forbid_secrets, clean_integrity | true / false | `--forbid-secrets`, `--clean-integrity` |
| fail_on_finding | [KIND[:SEVERITY]]: KIND or `any`, that severity or worse (warning) | `--fail-on-finding call_loop` |

A duration is `500ms`, `3s`, `2m` (a bare number is ms). Specs are described in `specs.py`.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Optional

from ..analysis.window import parse_duration_ms
from ..model.choices import CHECK_VOCABULARY as VOCABULARY
from ..model.choices import FINDING_KINDS, FINDING_SEVERITIES
from ..model.error_category import CATEGORIES
from ..model.errors import ConfigError, UsageError
from ..model.events import COMPONENTS
from ..model.limits import COUNT_MAX, COUNT_RANGE, DURATION_RANGE, USD_MAX, finite_at_most, shown
from .specs import SpecError, is_error_spec, parse_spec

# VOCABULARY, key -> how its value reads, is in model/choices.py: `check --help` declares a flag per key
KEYS = tuple(VOCABULARY)
ANY_FINDING = "any"  # `fail_on_finding`'s kind for every kind
DEFAULT_FINDING_SEVERITY = "warning"
# The call-count rules, with the component whose calls each one counts.
CALL_COMPONENTS = {"max_llm_calls": "llm", "max_tool_calls": "tool"}


class Invalid(ValueError):
    """A value a rule cannot take; the caller adds where it came from."""


@dataclass(frozen=True)
class Rule:
    """One limit. `target` narrows it (`llm`, `auth`, `tool:search`); `origin` says where it was given."""

    key: str
    target: Optional[str]
    limit: Any  # int count, float ms or USD, True, or a tuple of spec texts (require_order)
    origin: str

    @property
    def identity(self) -> tuple[str, Optional[str]]:
        """Rules with the same identity replace each other: a flag overrides the file's value."""
        return (self.key, self.target)

    @property
    def target_text(self) -> str:
        """`target`, of a rule whose key always names one: a map's (`max_p95 llm`), a spec's or an order's."""
        assert self.target is not None, f"{self.key} names no target"
        return self.target

    @property
    def name(self) -> str:
        """`max_p95 llm`, `require tool:search`, `max_errors`."""
        return self.key if self.target is None else f"{self.key} {self.target}"


def rules_from_value(key: str, value: object, origin: str) -> list[Rule]:
    """The rules one key and its JSON value stand for; `Invalid` says what is wrong with the value."""
    kind = VOCABULARY[key]
    if kind.startswith("map:"):
        if not isinstance(value, dict):
            raise Invalid(f"expected an object such as {_MAP_EXAMPLES[kind]}, not {_json_type(value)}")
        _, target_kind, value_kind = kind.split(":")
        return [Rule(key, _target(target_kind, str(target)), _scalar(value_kind, item), origin)
                for target, item in value.items()]
    if kind in ("specs", "counted_specs", "orders"):
        return _list_rules(key, kind, value, origin)
    if kind == "findings":
        return [_finding_rule(key, item, origin) for item in ([value] if isinstance(value, str) else _listed(value))]
    if kind == "bool":
        if not isinstance(value, bool):
            raise Invalid(f"expected true or false, not {_json_type(value)}")
        return [Rule(key, None, True, origin)] if value else []
    return [Rule(key, None, _scalar(kind, value), origin)]


_MAP_EXAMPLES = {
    "map:component:count": '{"tool": 1}',
    "map:category:count": '{"auth": 0}',
    "map:target:duration": '{"llm": "3s", "tool:search": "500ms"}',
}


def _list_rules(key: str, kind: str, value: object, origin: str) -> list[Rule]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise Invalid(f"expected a list of event specs such as [\"tool:search\"], not {_json_type(value)}")
    if kind == "orders":
        orders = value if value and all(isinstance(item, list) for item in value) else [value]
        return [_order_rule(key, order, origin) for order in orders]
    rules = []
    for item in value:
        spec, count = _spec(item, counted=kind == "counted_specs")
        rules.append(Rule(key, spec, count if kind == "counted_specs" else 0, origin))
    return rules


def _listed(value: object) -> list[object]:
    if not isinstance(value, list):
        raise Invalid(f"expected a list such as [\"call_loop\", \"any:critical\"], not {_json_type(value)}")
    return value


def _finding_rule(key: str, item: object, origin: str) -> Rule:
    """`KIND[:SEVERITY]`: findings of KIND (`any`: every kind) of SEVERITY or worse (default warning) fail."""
    if not isinstance(item, str):
        raise Invalid(f"expected KIND[:SEVERITY] such as \"call_loop:critical\", not {_json_type(item)}")
    kind, colon, severity = item.strip().partition(":")
    if kind != ANY_FINDING and kind not in FINDING_KINDS:
        raise Invalid(f"{kind!r} is not a kind of finding ({_closest(kind, (ANY_FINDING, *FINDING_KINDS))}use "
                      f"{ANY_FINDING} or one of: {', '.join(FINDING_KINDS)})")
    severity = severity if colon else DEFAULT_FINDING_SEVERITY
    if severity not in FINDING_SEVERITIES:
        raise Invalid(f"{severity!r} is not a severity ({_closest(severity, FINDING_SEVERITIES)}use one of: "
                      f"{', '.join(FINDING_SEVERITIES)})")
    return Rule(key, kind, severity, origin)


def _order_rule(key: str, order: list[object], origin: str) -> Rule:
    specs = tuple(_spec(item, counted=False)[0] for item in order)
    if len(specs) < 2:
        raise Invalid("an order needs at least two event specs, such as [\"llm:planner\", \"tool:search\"]")
    if any(is_error_spec(spec) for spec in specs):
        raise Invalid("an order is of events, not errors: error specs are for require and forbid")
    return Rule(key, ",".join(specs), specs, origin)


def _spec(item: object, counted: bool) -> tuple[str, int]:
    if not isinstance(item, str):
        raise Invalid(f"expected an event spec such as \"tool:search\", not {_json_type(item)}")
    try:
        spec, count = parse_spec(item, counted=counted)
    except SpecError as error:
        raise Invalid(str(error)) from None
    return spec.text, count


def _target(kind: str, text: str) -> str:
    if kind == "component":
        if text not in COMPONENTS:
            raise Invalid(f"{text!r} is not a component ({_closest(text, COMPONENTS)}use one of: "
                          f"{', '.join(COMPONENTS)})")
        return text
    if kind == "category":
        if text not in CATEGORIES:
            raise Invalid(f"{text!r} is not an error category ({_closest(text, CATEGORIES)}use one of: "
                          f"{', '.join(CATEGORIES)})")
        return text
    spec, _ = _spec(text, counted=False)
    if is_error_spec(spec):
        raise Invalid(f"{text!r}: latency is of spans: name a component or component:name such as llm:planner")
    return spec


def _scalar(kind: str, value: object) -> Any:
    if kind == "count":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= COUNT_MAX:
            raise Invalid(f"expected a whole number {COUNT_RANGE}, not {_show(value)}")
        return value
    if kind == "usd":
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not finite_at_most(value, USD_MAX):
            raise Invalid(f"expected an amount in USD from 0 to {USD_MAX:.0f} such as 0.50, not {_show(value)}")
        return float(value)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Invalid(f"expected a duration such as \"3s\" or \"500ms\", not {_show(value)}")
    try:
        return parse_duration_ms(str(value), "duration")
    except UsageError:
        raise Invalid(f"{_show(value)} is not a duration {DURATION_RANGE} (use e.g. 500ms, 1.5s, 2m; "
                      "a bare number is ms)") from None


def _show(value: object) -> str:
    import json  # noqa: PLC0415 - only a value being refused is shown

    try:
        text = json.dumps(value) if isinstance(value, (str, int, float, bool, type(None))) else _json_type(value)
    except ValueError:  # an int past Python's 4,300 digits
        return "a number of more than 4300 digits"
    return text if len(text) <= 60 else text[:57] + "..."


def _json_type(value: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number")


# ---------------------------------------------------------------- flags


def rules_from_flags(flags: dict[str, Iterable[str] | str | bool | None]) -> list[Rule]:
    """Rules from command-line values keyed by vocabulary key: a repeatable flag gives a list of texts.

    `{"max_p95": ["llm=3s"], "max_errors": "0", "forbid_secrets": True}`; None or empty means not given.
    A bad value is a `UsageError` naming the flag and the text.
    """
    rules: list[Rule] = []
    for key, raw in flags.items():
        if raw is None or raw is False or raw == ():
            continue
        for text in ([raw] if isinstance(raw, (str, bool)) else list(raw)):
            rules.extend(_flag_rules(key, text))
    return rules


def _flag_rules(key: str, text: str | bool) -> list[Rule]:
    flag = "--" + key.replace("_", "-")
    kind = VOCABULARY[key]
    origin = flag if text is True else f"{flag} {text}"
    try:
        return rules_from_value(key, _flag_value(kind, text), origin)
    except Invalid as error:
        raise UsageError(f"{flag} {shown(str(text))}: {error}", hint="see `namel3ss-debug check --help`") from None


def _flag_value(kind: str, text: str | bool) -> object:
    if kind == "bool":
        return text
    assert isinstance(text, str)
    if kind.startswith("map:"):
        target, sep, value = text.partition("=")
        if not sep or not target.strip():
            raise Invalid(f"expected TARGET=VALUE, such as {_FLAG_EXAMPLES[kind]}")
        return {target.strip(): _number_or_text(value.strip(), kind.endswith("count"))}
    if kind == "orders":
        return [part.strip() for part in text.split(",")]
    if kind in ("specs", "counted_specs", "findings"):
        return [text]
    return _number_or_text(text.strip(), kind == "count", usd=kind == "usd")


_FLAG_EXAMPLES = {"map:component:count": "tool=1", "map:category:count": "auth=0",
                  "map:target:duration": "llm=3s or llm:planner=500ms"}


def _closest(text: str, names: Iterable[str]) -> str:
    """`did you mean 'tool'? ` for `tools` (case aside), or nothing."""
    by_lower = {name.lower(): name for name in names}
    close = difflib.get_close_matches(text.lower(), list(by_lower), n=1, cutoff=0.6)
    return f"did you mean {by_lower[close[0]]!r}? " if close else ""


def _number_or_text(text: str, whole: bool, usd: bool = False) -> object:
    """A flag's text as the JSON value it stands for: counts and amounts are numbers, durations stay text."""
    if not (whole or usd) or not text.isascii():  # `١٢` is not a count here: int() would take it
        return text
    try:
        return int(text) if whole else float(text.removeprefix("$"))
    except ValueError:
        return text


# ---------------------------------------------------------------- layers


def merge(*layers: list[Rule]) -> list[Rule]:
    """Layers of rules, lowest first: a later rule with the same identity replaces an earlier one in place."""
    chosen: dict[tuple[str, Optional[str]], Rule] = {}
    for layer in layers:
        for rule in layer:
            chosen[rule.identity] = rule
    return list(chosen.values())


def rules_from_document(data: dict[str, object], where: Callable[[tuple[object, ...]], str],
                        disabled: Callable[[str, str], None] | None = None) -> list[Rule]:
    """Rules from a JSON object (a rules file, or the workspace `checks` section).

    `where(path)` places a key for messages (`rules.json:3:5`). Unknown keys and bad values are
    `ConfigError`s naming the key, the closest known key and the place. A boolean set to false turns the
    rule off (and so turns off the same rule from a lower layer: see `merge`); `disabled` hears of it.
    """
    from ..config.rules import unknown_key  # noqa: PLC0415 - the same wording as the settings file

    # a rule given twice in one document is one rule, as across layers (`merge`), kept so as it is read: a
    # file that repeats one rule a million times holds one Rule
    chosen: dict[tuple[str, Optional[str]], Rule] = {}
    for key, value in data.items():
        if key == "$schema":
            continue
        if key not in VOCABULARY:
            raise ConfigError(unknown_key(key, KEYS), key=key, where=where((key,)))
        if VOCABULARY[key] == "bool" and value is False:
            chosen[(key, None)] = Rule(key, None, False, where((key,)))
            continue
        for path, piece in _pieces(key, value):
            try:
                found = rules_from_value(key, piece, where(path))
            except Invalid as error:
                raise ConfigError(f"{key}: {error}", key=key, value=piece, where=where(path)) from None
            chosen.update((rule.identity, rule) for rule in found)
    return list(chosen.values())


def _pieces(key: str, value: object) -> list[tuple[tuple[object, ...], object]]:
    """A value split into the parts one rule each comes from, with their paths, so that a message points at
    the entry that is wrong (`"max_p95": {"llm": "fast"}` at `"llm"`), not at the key above it."""
    kind = VOCABULARY[key]
    if kind.startswith("map:") and isinstance(value, dict) and value:
        return [((key, target), {target: item}) for target, item in value.items()]
    if kind in ("specs", "counted_specs", "findings") and isinstance(value, list):
        return [((key, index), [item]) for index, item in enumerate(value)]
    if kind == "orders" and isinstance(value, list) and value and all(isinstance(i, list) for i in value):
        return [((key, index), item) for index, item in enumerate(value)]
    return [((key,), value)]


def active(rules: list[Rule]) -> list[Rule]:
    """The rules left once switched-off ones (`"forbid_secrets": false`) are dropped."""
    return [rule for rule in rules if rule.limit is not False]
