"""`check --rules FILE` against hostile files: huge numbers and nesting at file:line:col, a device refused, a file
past the cap refused, and reading in time linear in the number of entries (placing each entry counted the
newlines before it, which took time in the square: 100,000 entries, 56 s)."""

from __future__ import annotations

import json
import random
from fnmatch import fnmatchcase
from pathlib import Path

import pytest
from support.growth import assert_linear, cpu_seconds

from namel3ss_debug.checks.rules_file import read_rules_file
from namel3ss_debug.checks.specs import name_matches
from namel3ss_debug.model.errors import ConfigError
from namel3ss_debug.model.limits import RULES_BYTES_MAX


def rules_error(tmp_path: Path, text: str) -> str:
    (tmp_path / "rules.json").write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_rules_file(Path("rules.json"), tmp_path)
    return str(caught.value)


@pytest.mark.parametrize(("text", "message"), [
    ('{\n  "max_errors": 1' + "0" * 50 + "\n}",
     "rules.json:2:3: max_errors: expected a whole number from 0 to "
     "1000000000000000 (10^15), not 1000000000000000000000000000000000000000"),
    ('{"max_errors": 1e309}', "rules.json:1:2: max_errors: expected a whole number from 0 to 1000000000000000 "
                              "(10^15), not Infinity"),
    ('{"max_cost": NaN}', "rules.json:1:2: max_cost: expected an amount in USD from 0 to 1000000000000 such as 0.50, "
                          "not NaN"),
    ('{"max_p95": {"llm": 1e308}}', 'rules.json:1:14: max_p95: 1e+308 is not a duration 0 to 8760h'),
    ('{"max_duration": "' + "9" * 400 + 'h"}', 'rules.json:1:2: max_duration: "99999999999999999999999999999999'),
    ('{"require": ["tool:a", "tool:search>=' + "9" * 5000 + '"]}', "rules.json:1:24: require: 'tool:search>=9999"),
    ('{"max_tokens": ' + "9" * 5000 + "}", "rules.json:1:16: a number of more than 4300 digits"),
    ('{"require": ' + "[" * 5000 + "]" * 5000 + "}", "rules.json:1:76: nested more than 64 levels deep"),
])
def test_a_bad_number_or_nesting_is_an_error_at_its_place(tmp_path, text, message):
    error = rules_error(tmp_path, text)
    assert error.startswith(message) and len(error) < 400, error


def test_a_device_is_refused_without_being_read(tmp_path):
    with pytest.raises(ConfigError) as caught:
        read_rules_file(Path("/dev/zero"), tmp_path)
    assert str(caught.value) == "/dev/zero: is a device, not a file (name a JSON file)"


def test_a_file_past_the_cap_is_refused_from_its_size(tmp_path):
    path = tmp_path / "rules.json"
    with path.open("wb") as stream:  # a sparse file: the cap is checked before anything is read
        stream.truncate(RULES_BYTES_MAX + 1)
    with pytest.raises(ConfigError, match="larger than 64 MiB"):
        read_rules_file(Path("rules.json"), tmp_path)


def test_a_rule_given_many_times_is_one_rule_the_last_given(tmp_path):
    entries = ["tool:search>=1"] * 1000 + ["tool:search>=3"]
    (tmp_path / "rules.json").write_text(json.dumps({"require": entries}))
    (rule,) = read_rules_file(Path("rules.json"), tmp_path)
    assert (rule.target, rule.limit, rule.origin) == ("tool:search", 3, "rules.json:1:18014")


def _read_seconds(tmp_path: Path, entries: int) -> float:
    path = tmp_path / f"rules{entries}.json"
    path.write_text(json.dumps({"forbid": [f"tool:x{index}" for index in range(entries)]}, indent=1))
    assert len(read_rules_file(path, tmp_path)) == entries
    return cpu_seconds(lambda: read_rules_file(path, tmp_path))


@pytest.mark.slow
def test_reading_is_linear_in_the_entries(tmp_path):
    assert_linear(lambda entries: _read_seconds(tmp_path, entries), 2_000, 40_000)


def test_a_plain_name_matches_as_the_glob_it_is():
    rng = random.Random(45)
    alphabet = "ab*?[]!-x"
    for _ in range(5000):
        pattern = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
        name = "".join(rng.choice("abx-[]") for _ in range(rng.randrange(0, 6)))
        assert name_matches(name, pattern) == fnmatchcase(name, pattern), (name, pattern)
