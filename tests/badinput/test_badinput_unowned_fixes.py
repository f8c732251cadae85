"""Fixes the corpus asked for in code no other work owns, each shown on the value that broke it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from support.tracefactory import one_llm_call

from namel3ss_debug.cli.main import cli
from namel3ss_debug.integrations.namel3ss.runner import parse_input
from namel3ss_debug.model.errors import UsageError
from namel3ss_debug.model.text_keys import Names, text_key
from namel3ss_debug.ops.trace.checks import check_ai_options
from namel3ss_debug.render.inspect.inspect_json import dumps
from namel3ss_debug.replay.commands import nearest, quoted


def deep(levels: int) -> list:
    value: list = []
    for _ in range(levels):
        value = [value]
    return value


def test_an_id_nested_past_the_recursion_limit_is_a_key_not_a_recursion_error() -> None:
    key = text_key(deep(5000))
    assert key.startswith("[[[[") and len(key) < 1000
    assert text_key(deep(5000)) == key and Names().code(deep(5000)) == 0  # one odd value, one key


def test_an_ordinary_odd_id_keeps_its_repr() -> None:
    assert (text_key(5), text_key(None), text_key([1, "a"])) == ("5", "None", "[1, 'a']")


def test_inspect_json_of_a_lone_surrogate_is_json_with_its_escape() -> None:
    data = dumps({"name": "tool\udcff", "n": 10**30})
    assert json.loads(data) == {"name": "tool\udcff", "n": 10**30}
    data.decode("utf-8")  # valid UTF-8: the surrogate is written as its \\u escape


def test_a_script_line_of_a_megabyte_is_echoed_and_quoted_cut(tmp_path) -> None:
    """replay --commands on a binary file: the transcript and the error show the line's start and its
    length, not 4 MB of escapes (the 8 MiB case took 7 s and 660 MB)."""
    trace = one_llm_call(tmp_path / "run.jsonl")
    (tmp_path / "binary").write_bytes(b"\x00" * (1 << 20))
    done = CliRunner().invoke(cli, ["replay", "--commands", str(tmp_path / "binary"), str(trace)])
    assert done.exit_code == 1
    assert "... (1,048,576 characters)" in done.stdout and len(done.stdout) < 20_000
    assert "unknown command '" + "\\x00" * 64 + "'... (1,048,576 characters)" in done.stdout


def test_a_mistyped_command_still_gets_its_suggestion() -> None:
    assert nearest("stpe", {"step": None, "stats": None}) == ["step"]
    assert nearest("s" * 65, {"s" * 65: None}) == [] and quoted("ab") == "'ab'"


def test_an_ai_apps_input_nested_past_the_parser_is_a_usage_error() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(UsageError, match="--input is not JSON: maximum recursion depth"):
        parse_input(deep)
    with pytest.raises(UsageError, match="--input is not JSON: maximum recursion depth"):
        check_ai_options(type("App", (), {"is_ai_app": True, "script": "app.ai"})(), None, deep)
