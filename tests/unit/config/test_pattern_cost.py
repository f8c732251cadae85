"""`redact_patterns` with a cost bound (issue 76): RE2 is linear in the text, but its DFA builds states in a
budget, and past it an NFA pays for every instruction on every byte. A pattern whose program is larger than
`PROGRAM_MAX` is refused when the configuration is read (one line naming it and where it came from; the
tracer leaves it out with a notice), and the patterns are searched in groups of at most `GROUP_MAX`: twenty
`[ab]{1000}c`, `[ab]{999}c`... cost 25 s a traced call of an 80 kB string as one alternation, 0.2 s now."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import pytest
from support.tracehelpers import run_importing_app

from namel3ss_debug.config import load_settings
from namel3ss_debug.config.patterns import (GROUP_MAX, PATTERN_CHARS_MAX, PATTERNS_MAX, PROGRAM_MAX, PatternRefused,
                                            UserPatterns, compile_pattern, program_size)
from namel3ss_debug.model.errors import ConfigError
from namel3ss_debug.redaction.redact import Redactor

LONG = [f"[ab]{{{1000 - i}}}c" for i in range(20)]  # 1,005 instructions each; 19,834 as one alternation
TOO_LARGE = "a[ab]{999}c|b[ab]{999}d"  # 2,006 instructions: one pattern past the bound


def write_config(root: Path, patterns: list[str]) -> None:
    path = root / ".namel3ss" / "debug.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"redact_patterns": patterns}), encoding="utf-8")


def test_the_bound_lets_a_long_pattern_through_and_not_twice_that() -> None:
    assert program_size(compile_pattern(LONG[0])) <= PROGRAM_MAX < program_size(compile_pattern(TOO_LARGE))


def test_a_pattern_past_the_bound_is_refused_naming_it_and_the_file(tmp_path: Path) -> None:
    write_config(tmp_path, ["ACME-[0-9]+", TOO_LARGE])
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    message = str(caught.value)
    assert message.startswith('.namel3ss/debug.json:1:2: redact_patterns[1]: "a[ab]{999}c|b[ab]{999}d" compiles '
                              "to 2,006 RE2 instructions, more than the 2,000")
    assert "split it" in message and "\n" not in message


def test_a_lenient_load_names_the_variable_and_keeps_the_other_patterns(tmp_path: Path) -> None:
    environ = {"NAMEL3SS_DEBUG_REDACT_PATTERNS": json.dumps(["ACME-[0-9]+", TOO_LARGE])}
    resolved = load_settings(environ, tmp_path, lenient=True)
    assert resolved.settings.redact_patterns == ("ACME-[0-9]+",)
    (line,) = resolved.ignored
    assert line.startswith("NAMEL3SS_DEBUG_REDACT_PATTERNS: redact_patterns[1]: ")
    assert line.endswith("that item of redact_patterns is ignored")


def test_a_redactor_built_in_code_refuses_it_too() -> None:
    with pytest.raises(PatternRefused, match="more than the 2,000"):
        UserPatterns([TOO_LARGE], "[REDACTED:pattern]")


def test_long_patterns_are_searched_in_groups_within_the_budget() -> None:
    patterns = UserPatterns(LONG, "[REDACTED:pattern]")
    assert patterns.groups >= 10 and all(program_size(group) <= GROUP_MAX for group in patterns._groups)
    short = UserPatterns([f"ticket-{i}-[0-9]{{6}}" for i in range(20)], "[REDACTED:pattern]")
    assert short.groups == 1


def test_patterns_of_mixed_sizes_share_groups_within_the_budget() -> None:
    patterns = [f"[a-z]{{{n}}}x{n}" for n in (50, 300, 700, 20, 900, 5, 400)]
    groups = UserPatterns(patterns, "[REDACTED:pattern]")._groups
    assert 1 < len(groups) < len(patterns) and all(program_size(group) <= GROUP_MAX for group in groups)


def test_a_match_of_a_later_group_is_still_hidden() -> None:
    redactor = Redactor(patterns=[*LONG, "ACME-[0-9]{6}"])
    hidden = "a" * 999 + "c"
    text = f"order ACME-123456 and {hidden}"
    assert redactor.redact_text(text) == "order [REDACTED:pattern] and [REDACTED:pattern]"


def test_twenty_long_patterns_cost_a_fraction_of_a_second_on_20_kb() -> None:
    redactor = Redactor(patterns=LONG)
    text = "".join(random.Random(1).choice("ab") for _ in range(20_000))  # as one alternation: 6 s of CPU
    start = time.process_time()
    assert redactor.redact_text(text) == text
    assert time.process_time() - start < 1.0


def test_the_tracer_leaves_the_pattern_out_with_one_notice_and_the_app_runs(tmp_path: Path) -> None:
    write_config(tmp_path, ["ACME-[0-9]+", TOO_LARGE])
    done = run_importing_app(tmp_path)
    notices = [line for line in done.stderr.splitlines() if "redact_patterns[1]" in line]
    assert len(notices) == 1 and "2,006 RE2 instructions" in notices[0] and "Traceback" not in done.stderr


def test_more_patterns_than_the_cap_is_an_error_naming_the_key_the_count_the_cap_and_the_file(tmp_path: Path) -> None:
    write_config(tmp_path, [f"tok{i:04d}[A-Za-z0-9]{{16}}" for i in range(PATTERNS_MAX + 1)])
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    message = str(caught.value)
    assert message.startswith(".namel3ss/debug.json:1:2: redact_patterns = ")
    assert f"{PATTERNS_MAX + 1:,} patterns, more than the {PATTERNS_MAX} it may hold" in message
    assert caught.value.key == "redact_patterns" and "\n" not in message


def test_a_pattern_longer_than_the_cap_is_refused_though_its_program_is_small(tmp_path: Path) -> None:
    long = "[a-z]" * (PATTERN_CHARS_MAX // 5 + 1)  # 401 instructions: within PROGRAM_MAX
    assert program_size(compile_pattern(long)) <= PROGRAM_MAX
    write_config(tmp_path, ["ACME-[0-9]+", long])
    with pytest.raises(ConfigError) as caught:
        load_settings({}, tmp_path)
    assert "redact_patterns[1]: " in str(caught.value)
    assert f"is {len(long):,} characters long, more than the {PATTERN_CHARS_MAX:,}" in str(caught.value)


def test_a_lenient_load_keeps_the_first_patterns_up_to_the_cap_and_says_so(tmp_path: Path) -> None:
    patterns = [f"tok{i:04d}[A-Za-z0-9]{{16}}" for i in range(PATTERNS_MAX + 20)]
    write_config(tmp_path, patterns)
    resolved = load_settings({}, tmp_path, lenient=True)
    assert resolved.settings.redact_patterns == tuple(patterns[:PATTERNS_MAX])
    (line,) = resolved.ignored
    assert f"{PATTERNS_MAX + 20} patterns, more than the {PATTERNS_MAX}" in line
    assert line.endswith("each of the 20 such items of redact_patterns is ignored")


def test_a_redactor_built_in_code_refuses_more_patterns_than_the_cap() -> None:
    with pytest.raises(PatternRefused, match=f"more than the {PATTERNS_MAX} it may hold"):
        UserPatterns([f"t{i}-[0-9]+" for i in range(PATTERNS_MAX + 1)], "[REDACTED:pattern]")
