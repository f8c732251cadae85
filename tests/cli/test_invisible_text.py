"""Invisible characters in a trace's text (zero-width space and joiners, bidirectional overrides and isolates,
tag characters, variation selectors) are written out on every screen, as `\\u200b` / `\\U000e0041`; JSON keeps the
exact text; `check` matches a name as it reads, so `--forbid tool:delete_db` catches `delete_db` plus U+200B."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli

pytestmark = pytest.mark.usefixtures("isolated_workspace")  # each test in its own directory, no config

ZWSP, RLO, LRI, PDI, TAG_A, WJ = "\u200b", "\u202e", "\u2066", "\u2069", "\U000e0041", "\u2060"
RAW = (ZWSP, RLO, LRI, PDI, TAG_A, WJ, "\ufeff", "\ufe0f")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False, env={"COLUMNS": "200"})


def hidden_run(path: Path, tool: str = "delete_db" + ZWSP, run_id: str = "20261122-100000-abcdef") -> Path:
    """An agent (`research` RLO `er`) that calls `planner` and the tool `tool` with a tag character in its input."""
    trace = TraceBuilder(run_id)
    trace.run_start(name="app" + WJ + ".py")
    agent = trace.start("agent", "research" + RLO + "er")
    trace.span("llm", "planner", 5.0, agent, model="m", usage={"input_tokens": 1, "output_tokens": 1})
    trace.span("tool", tool, 5.0, agent, inputs={"query": "x" + LRI + "y" + TAG_A + "\ufeff" + PDI})
    trace.end(agent, 1.0)
    trace.run_end()
    return trace.write(path)


@pytest.fixture
def trace(tmp_path: Path) -> str:
    return str(hidden_run(tmp_path / "run.jsonl"))


def assert_written_out(text: str, *shown: str) -> None:
    for each in shown:
        assert each in text
    raw = [f"U+{ord(char):04X}" for char in RAW if char in text]
    assert not raw, f"raw {raw} in:\n{text}"


@pytest.mark.parametrize("args", [("analyze",), ("analyze", "--format", "markdown"), ("inspect",),
                                  ("inspect", "--tree")])
def test_each_view_writes_invisible_characters_out(trace: str, args: tuple[str, ...]) -> None:
    result = run(*args, trace)
    assert result.exit_code == 0, result.output
    # Markdown doubles the backslash (`\\u200b` shows as `\u200b`), so look for the code itself.
    assert_written_out(result.output, "delete\\_db\\\\u200b" if "markdown" in args else "delete_db\\u200b",
                       "u202eer")


def test_one_event_shows_its_input_written_out(trace: str) -> None:
    result = run("inspect", trace, "--event", "4")
    assert result.exit_code == 0, result.output
    assert_written_out(result.output, "delete_db\\u200b", "x\\u2066y\\U000e0041\\ufeff\\u2069")


def test_json_keeps_the_exact_text(trace: str) -> None:
    result = run("analyze", trace, "--format", "json")
    names = {operation["name"] for operation in json.loads(result.stdout)["operations"]}
    assert "delete_db" + ZWSP in names and "research" + RLO + "er" in names


def test_the_replay_console_writes_the_names_out(trace: str) -> None:
    result = run("replay", trace, "--step", input="s\ns\ns\ns\ns\np inputs\n")
    assert result.exit_code == 0, result.output
    assert_written_out(result.output, "delete_db\\u200b", "research\\u202eer", "\\U000e0041")


@pytest.mark.parametrize("markdown", [False, True])
def test_diff_writes_the_added_tool_out(tmp_path: Path, markdown: bool) -> None:
    base = hidden_run(tmp_path / "base.jsonl", tool="search")
    new = hidden_run(tmp_path / "new.jsonl", run_id="20261122-100001-abcdef")
    result = run("diff", str(base), str(new), *(("--format", "markdown") if markdown else ()))
    assert result.exit_code in (0, 1), result.output
    assert_written_out(result.output, "delete\\_db\\\\u200b (added)" if markdown else "delete_db\\u200b (added)")


def test_the_report_page_writes_the_title_out_and_keeps_the_data_exact(trace: str, tmp_path: Path) -> None:
    page = tmp_path / "run.html"
    assert run("report", trace, "-o", str(page)).exit_code == 0
    html = page.read_text(encoding="utf-8")
    assert "<title>app\\u2060.py" in html
    outside_data = re.sub(r"<script\b.*?</script>", "", html, flags=re.S)
    assert_written_out(outside_data)
    data = json.loads(re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.S).group(1))
    assert "delete_db" + ZWSP in json.dumps(data, ensure_ascii=False)  # the data is the trace's text, exactly


# ---------------------------------------------------------------- check


@pytest.mark.parametrize("name", ["delete_db" + ZWSP, ZWSP + "delete" + WJ + "_db", RLO + "delete_db" + "\u202c",
                                  LRI + "delete_db" + PDI, "delete_db" + TAG_A, "delete_db\ufeff",
                                  "ｄｅｌｅｔｅ_db"])
def test_forbid_catches_a_name_that_reads_as_the_forbidden_one(tmp_path: Path, name: str) -> None:
    path = hidden_run(tmp_path / "run.jsonl", tool=name)
    result = run("check", str(path), "--forbid", "tool:delete_db")
    assert result.exit_code == 1, result.output
    assert "FAIL forbid tool:delete_db: 1 occurrence" in result.output
    assert_written_out(result.output)


def test_the_failure_names_the_event_written_out(trace: str) -> None:
    result = run("check", trace, "--forbid", "tool:delete_*", "--forbid", "agent:researcher")
    assert result.exit_code == 1
    assert "seq 4 tool:delete_db\\u200b at" in result.output
    assert "seq 1 agent:research\\u202eer at" in result.output


def test_a_pattern_typed_with_an_invisible_character_matches_the_plain_name(tmp_path: Path) -> None:
    path = hidden_run(tmp_path / "run.jsonl", tool="delete_db")
    assert run("check", str(path), "--forbid", "tool:delete" + ZWSP + "_db").exit_code == 1


def test_require_and_latency_limits_match_names_the_same_way(trace: str) -> None:
    result = run("check", trace, "--require", "tool:delete_db>=1", "--require", "agent:researcher",
                 "--max-p95", "tool:delete_db=1ms")
    assert "pass   │ require tool:delete_db" in result.output
    assert "pass   │ require agent:researcher" in result.output
    assert "FAIL forbid" not in result.output and "FAIL max_p95 tool:delete_db: p95 5ms" in result.output


def test_a_lookalike_letter_is_not_counted_but_named_with_its_letter_written_out(tmp_path: Path) -> None:
    path = hidden_run(tmp_path / "run.jsonl", tool="d\u0435lete_db")  # a Cyrillic е
    result = CliRunner().invoke(cli, ["check", str(path), "--forbid", "tool:delete_db"], catch_exceptions=False,
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert ("tool:d\\u0435lete_db reads like tool:delete_db but is spelled with other letters "
            "(U+0435 CYRILLIC SMALL LETTER IE)") in result.stderr
