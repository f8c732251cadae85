"""What a traced application imports stays light: never click, rich, prompt_toolkit, nor psutil
unless `capture_memory` asks for it. And what the command line's --help imports: the commands, not the library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.config_cmd import config
from namel3ss_debug.cli.main import COMMANDS

HEAVY = ("click", "rich", "prompt_toolkit", "psutil")
PROBE = (
    "import json, sys, namel3ss_debug; "
    f"print(json.dumps({{'heavy': sorted(m for m in {HEAVY!r} if m in sys.modules), "
    "'tracing': namel3ss_debug.get_tracer().active}))"
)


def imported(tmp_path: Path, **extra: str) -> dict:
    """Import namel3ss_debug in a fresh interpreter: which heavy modules came along, and whether a run started."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    env.update(NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR=str(tmp_path / "traces"), **extra)
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_import_pulls_in_no_cli_dependency(tmp_path):
    assert imported(tmp_path) == {"heavy": [], "tracing": False}


def test_import_with_tracing_on_pulls_in_no_cli_dependency(tmp_path):
    assert imported(tmp_path, NAMEL3SS_DEBUG_ENABLED="1") == {"heavy": [], "tracing": True}


def test_capture_memory_is_what_imports_psutil(tmp_path):
    assert imported(tmp_path, NAMEL3SS_DEBUG_ENABLED="1", NAMEL3SS_DEBUG_CAPTURE_MEMORY="1") == {
        "heavy": ["psutil"], "tracing": True}


def test_the_testing_helpers_pull_in_no_cli_dependency(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    code = ("import sys, namel3ss_debug.testing, namel3ss_debug.testing.fake_llm; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=60)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr


# `namel3ss-debug --help` lists the commands from cli/main.COMMANDS and loads none of them, nor anything of the
# library under them (a module's import costs up to 35 ms). A command's --help loads that command and its use case
# (which it imports at the top), never a view's Rich nor the shell's prompt_toolkit: they load when they show.
CLI_PROBE = """
import json, runpy, sys
report, args = sys.argv[1], json.loads(sys.argv[2])
sys.argv = ["namel3ss-debug", *args]  # as the installed script: the package's import sees the CLI
import namel3ss_debug
package = set(sys.modules)
code = 0
try:
    runpy.run_module("namel3ss_debug", run_name="__main__", alter_sys=True)
except SystemExit as done:
    code = done.code
with open(report, "w") as out:
    json.dump({"exit": code, "modules": sorted(sys.modules), "added": sorted(set(sys.modules) - package)}, out)
"""
HELP_LIGHT = ("namel3ss_debug.cli", "namel3ss_debug.model")  # besides what `import namel3ss_debug` loads
HELP_HEAVY = ("rich", "msgspec", "genai_prices", "pydantic", "prompt_toolkit")
VIEWS_HEAVY = ("rich", "prompt_toolkit")  # what a command's --help does not load either
HELPS = [*[(name,) for name in COMMANDS], *[("config", name) for name in config.commands]]
# JSON output needs no Rich (the table views import it when they print)
JSON_VIEWS = [("analyze", "run.jsonl", "--format", "json"), ("inspect", "run.jsonl", "--format", "jsonl"),
              ("inspect", "run.jsonl", "--format", "json"), ("inspect", "run.jsonl", "--tree", "--format", "json"),
              ("inspect", "run.jsonl", "--event", "1", "--format", "json"),
              ("check", "run.jsonl", "--max-errors", "0", "--format", "json"),
              ("diff", "run.jsonl", "run.jsonl", "--format", "json")]


def cli_imports(tmp_path: Path, args: tuple[str, ...], **extra: str) -> tuple[dict, str]:
    """Run `namel3ss-debug ARGS` in a fresh interpreter (`extra`: more environment variables): its exit code and
    what it imported; its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_")}
    env.update(extra)
    report = tmp_path / "modules.json"
    result = subprocess.run([sys.executable, "-c", CLI_PROBE, str(report), json.dumps(args)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert report.exists(), result.stderr
    return json.loads(report.read_text()), result.stdout


def top(module: str) -> str:
    return module.split(".")[0]


def light(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in HELP_LIGHT)


def one_span_run(directory: Path) -> None:
    """`run.jsonl`, a run of one tool span, and `quit.txt`, a replay script that quits, in `directory`."""
    trace = TraceBuilder()
    trace.span("tool", "search", 5, trace.run_start())
    trace.run_end()
    trace.write(directory / "run.jsonl")
    (directory / "quit.txt").write_text("q\n")


def test_help_lists_the_commands_without_loading_one(tmp_path):
    loaded, shown = cli_imports(tmp_path, ("--help",))
    assert (loaded["exit"], shown.split(" ", 2)[:2]) == (0, ["Usage:", "namel3ss-debug"])
    assert all(f"  {name} " in shown for name in COMMANDS)
    assert sorted({top(m) for m in loaded["modules"]} & set(HELP_HEAVY)) == []
    assert [m for m in loaded["added"] if top(m) == "namel3ss_debug" and not light(m)] == []
    commands = {f"namel3ss_debug.cli.{target.split(':')[0]}" for target, _ in COMMANDS.values()}
    assert sorted(commands & set(loaded["modules"])) == []


@pytest.mark.parametrize("args", HELPS, ids=[" ".join((*args, "--help")) for args in HELPS])
def test_a_commands_help_loads_no_view_nor_shell(tmp_path, args):
    loaded, shown = cli_imports(tmp_path, (*args, "--help"))
    assert (loaded["exit"], shown.split(" ", 2)[:2]) == (0, ["Usage:", "namel3ss-debug"])
    assert sorted({top(m) for m in loaded["modules"]} & set(VIEWS_HEAVY)) == []


@pytest.mark.parametrize("args", JSON_VIEWS, ids=[" ".join(args) for args in JSON_VIEWS])
def test_json_output_imports_no_rich(tmp_path, args):
    one_span_run(tmp_path)
    loaded, shown = cli_imports(tmp_path, args)
    assert (loaded["exit"], shown[:1]) == (0, "{")
    assert [m for m in loaded["modules"] if top(m) == "rich"] == []


# What a read of a v1 run does not use, it does not import: the mappers of the other formats, the rerun machinery
# (the app launcher, the tracer) for a plain replay, the tracer's redactor for a check without forbid_secrets,
# asyncio outside a running loop, and genai-prices' pricing for commands that price nothing.
NOT_NEEDED = {
    ("analyze", "run.jsonl", "--format", "json"): ("namel3ss_debug.store.otlp.reader", "namel3ss_debug.store.legacy",
                                                   "namel3ss_debug.store.n3_native", "asyncio"),
    ("check", "run.jsonl", "--max-errors", "0"): ("namel3ss_debug.redaction.redact", "namel3ss_debug.checks.secrets",
                                                  "namel3ss_debug.store.otlp.reader", "asyncio"),
    ("replay", "run.jsonl", "--commands", "quit.txt"): ("namel3ss_debug.ops.rerun", "namel3ss_debug.launch.app",
                                                         "namel3ss_debug.tracer.core", "asyncio",
                                                         "namel3ss_debug.analysis.price_table"),
    ("inspect", "run.jsonl"): ("namel3ss_debug.analysis.price_table", "namel3ss_debug.store.otlp.reader", "asyncio"),
}


@pytest.mark.parametrize("args", NOT_NEEDED, ids=[" ".join(args) for args in NOT_NEEDED])
def test_a_read_command_imports_only_what_it_uses(tmp_path, args):
    one_span_run(tmp_path)
    loaded, _ = cli_imports(tmp_path, args)
    assert loaded["exit"] == 0
    assert [m for m in NOT_NEEDED[args] if m in loaded["modules"]] == []


def test_a_foreign_format_still_loads_its_mapper(tmp_path):
    legacy = {"event_type": "tool_call_start", "event_id": "e1", "timestamp": 1700000000.5, "parent_event_id": None,
              "execution_id": "x1", "component": "tool", "component_name": "search", "inputs": {}, "outputs": {},
              "metadata": {}, "duration_ms": None, "status": "started", "error": None, "memory_usage_mb": None,
              "tokens_used": None, "cost_estimate": None}
    (tmp_path / "run.jsonl").write_text(json.dumps(legacy) + "\n")
    loaded, shown = cli_imports(tmp_path, ("analyze", "run.jsonl", "--format", "json"))
    assert (loaded["exit"], shown[:1]) == (0, "{")
    assert "namel3ss_debug.store.legacy" in loaded["modules"]


def test_a_diff_answered_from_the_cache_loads_no_pass(tmp_path):
    """The pass (`analysis.tally`, the diagnosis's collector) loads to read a run, not for a diff the result cache
    answers: a second diff of the same runs is start-up and the cache's read."""
    one_span_run(tmp_path)
    other = TraceBuilder()
    other.span("llm", "chat", 9, other.run_start())
    other.run_end()
    other.write(tmp_path / "other.jsonl")
    args = ("diff", "run.jsonl", "other.jsonl", "--format", "json")
    first, _ = cli_imports(tmp_path, args, XDG_CACHE_HOME=str(tmp_path / "cache"))
    again, shown = cli_imports(tmp_path, args, XDG_CACHE_HOME=str(tmp_path / "cache"))
    assert (first["exit"], again["exit"], shown[:1]) == (0, 0, "{")
    assert "namel3ss_debug.analysis.tally" in first["modules"]
    assert [m for m in again["modules"] if m in ("namel3ss_debug.analysis.tally",
                                                 "namel3ss_debug.analysis.diagnosis.collector.clues")] == []
