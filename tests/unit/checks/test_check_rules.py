"""Rules from flags and JSON: one vocabulary, layers that override by identity, errors that say where."""

from __future__ import annotations

import pytest

from namel3ss_debug.checks.rules import Rule, active, merge, rules_from_document, rules_from_flags
from namel3ss_debug.model.errors import ConfigError, UsageError


def where(path):
    return "rules.json:" + ".".join(map(str, path))


def test_flags_and_json_give_the_same_rules():
    from_flags = rules_from_flags({"max_p95": ["llm=3s"], "max_errors": "0", "require": ["tool:search>=2"],
                                   "require_order": ["llm:a,tool:b"],
                                   "forbid_secrets": True, "max_cost": "0.5"})
    from_json = rules_from_document({"max_p95": {"llm": "3s"}, "max_errors": 0, "require": ["tool:search>=2"],
                                     "require_order": ["llm:a", "tool:b"], "forbid_secrets": True,
                                     "max_cost": 0.5}, where)
    assert [(r.key, r.target, r.limit) for r in from_flags] == [(r.key, r.target, r.limit) for r in from_json] == [
        ("max_p95", "llm", 3000.0), ("max_errors", None, 0), ("require", "tool:search", 2),
        ("require_order", "llm:a,tool:b", ("llm:a", "tool:b")), ("forbid_secrets", None, True),
        ("max_cost", None, 0.5)]


def test_a_list_of_lists_is_several_orders():
    rules = rules_from_document({"require_order": [["llm:a", "tool:b"], ["tool:b", "llm:c"]]}, where)
    assert [r.target for r in rules] == ["llm:a,tool:b", "tool:b,llm:c"]


def test_later_layers_replace_rules_with_the_same_identity_and_keep_others():
    workspace = [Rule("max_errors", None, 5, "ws"), Rule("max_p95", "llm", 1000.0, "ws")]
    flags = [Rule("max_errors", None, 0, "--max-errors 0"), Rule("max_p95", "tool", 10.0, "--max-p95 tool=10")]
    assert [(r.name, r.origin) for r in merge(workspace, flags)] == [
        ("max_errors", "--max-errors 0"), ("max_p95 llm", "ws"), ("max_p95 tool", "--max-p95 tool=10")]


def test_false_switches_a_rule_off_across_layers():
    lower = rules_from_document({"clean_integrity": True}, where)
    upper = rules_from_document({"clean_integrity": False}, where)
    assert active(merge(lower, upper)) == []


def test_an_unknown_key_names_the_closest_one_and_where_it_is():
    with pytest.raises(ConfigError) as raised:
        rules_from_document({"max_erors": 0}, where)
    assert str(raised.value) == 'rules.json:max_erors: unknown key "max_erors" (did you mean "max_errors"?)'


def test_a_bad_entry_is_placed_at_the_entry_not_the_key():
    with pytest.raises(ConfigError) as raised:
        rules_from_document({"require": ["tool:search", 3]}, where)
    assert str(raised.value).startswith("rules.json:require.1: require: expected an event spec")


@pytest.mark.parametrize(("value", "message"), [
    ({"max_errors": -1}, "expected a whole number from 0 to 1000000000000000 (10^15), not -1"),
    ({"max_errors": True}, "expected a whole number from 0 to 1000000000000000 (10^15), not true"),
    ({"max_p95": "3s"}, 'expected an object such as {"llm": "3s", "tool:search": "500ms"}, not a string'),
    ({"max_component_errors": {"robot": 1}}, "'robot' is not a component"),
    ({"forbid_secrets": "yes"}, "expected true or false, not a string"),
    ({"max_p95": {"error:auth": "1s"}}, "latency is of spans"),
])
def test_bad_json_values_say_what_is_expected(value, message):
    with pytest.raises(ConfigError) as raised:
        rules_from_document(value, where)
    assert message in str(raised.value)


def test_a_bad_flag_is_a_usage_error_naming_the_flag_and_its_text():
    with pytest.raises(UsageError) as raised:
        rules_from_flags({"max_latency": ["tool=slow"]})
    assert str(raised.value).startswith("--max-latency 'tool=slow': \"slow\" is not a duration")
