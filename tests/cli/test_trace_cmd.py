"""`namel3ss-debug trace SCRIPT [ARGS]...` and `trace -m MODULE [ARGS]...`.

Runs that only write files go through CliRunner (the app runs in this process, as it does under the
real command). Runs whose stderr must be exactly what a terminal sees, or that import a package from
the test's directory (it would stay in sys.modules), are subprocesses.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from namel3ss_debug import __version__
from namel3ss_debug.cli.main import cli

# A small traced app: one agent span holding a tool call and an LLM call; it saves its argv.
APP = """
import json, sys
from namel3ss_debug import span, trace_llm_call, trace_tool_call

@trace_tool_call
def search(query):
    return [query.upper()]

@trace_llm_call
def complete(prompt, model="fake-1"):
    return {"text": "ok", "model": model, "usage": {"input_tokens": 3, "output_tokens": 2}}

with span("planner", component="agent"):
    search("why")
    complete("plan")
with open("argv.json", "w") as handle:
    json.dump(sys.argv, handle)
"""

SECRET_KEY = "sk-proj-Zq8Xw2Lm4Np6Rt9Vb1Cd3Ef5Gh7Jk0"
SECRET_APP = f"""
from namel3ss_debug import trace_tool_call

@trace_tool_call
def fetch(url, note):
    return "done"

fetch("https://api.example.com", note="key {SECRET_KEY} here")
"""

MANY_APP = """
import sys
from namel3ss_debug import trace_tool_call

@trace_tool_call
def step(i):
    return {"i": i, "padding": "x" * 100}

for i in range(int(sys.argv[1])):
    step(i)
"""

FLUSH_PROBE_APP = """
import json
from namel3ss_debug import get_tracer, trace_tool_call

@trace_tool_call
def step(i):
    return i

for i in range(5):
    step(i)
on_disk = sum(path.read_bytes().count(b"\\n") for path in get_tracer().run.paths)
with open("flushed.json", "w") as handle:
    json.dump({"on_disk": on_disk}, handle)
"""

FAILED_SPAN_APP = """
from namel3ss_debug import trace_tool_call

@trace_tool_call
def fetch():
    raise TimeoutError("slow")

try:
    fetch()
except TimeoutError:
    pass
"""

FAILING_APP = """
def parse(text):
    return int(text)

def main():
    parse("not a number")

main()
"""


# -- helpers ---------------------------------------------------------------------------------------
def runner_env(**extra: str) -> dict[str, str | None]:
    """For CliRunner: unset every NAMEL3SS_DEBUG_* and colour forcing, then set `extra`."""
    env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("NAMEL3SS_DEBUG_")}
    env.update(FORCE_COLOR=None, COLUMNS="1000", NAMEL3SS_DEBUG_FLUSH_INTERVAL_SECONDS="60")
    env.update(extra)
    return env


def process_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAMEL3SS_DEBUG_") and k != "FORCE_COLOR"}
    env.update(COLUMNS="1000")
    env.update(extra)
    return env


@pytest.fixture
def project(tmp_path, monkeypatch):
    """The working directory of an in-process run."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_app(directory: Path, source: str, name: str = "app.py") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def trace(args: list[str], **env: str):
    """`namel3ss-debug trace ARGS...` in this process."""
    return CliRunner().invoke(cli, ["trace", *args], env=runner_env(**env), catch_exceptions=False)


def trace_subprocess(cwd: Path, args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", *args], cwd=cwd,
                          env=process_env(**env), capture_output=True, text=True, timeout=60)


def trace_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.jsonl"))


def read_events(directory: Path) -> list[dict]:
    return [orjson.loads(line) for path in trace_files(directory) for line in path.read_bytes().splitlines()]


def event_types(events: list[dict]) -> set[str]:
    return {event["event_type"] for event in events}


def run_end(events: list[dict]) -> dict:
    (end,) = [event for event in events if event["event_type"] == "run_end"]
    return end


# -- the app's arguments -----------------------------------------------------------------------------
def test_arguments_after_the_script_reach_the_app_even_when_they_look_like_options(project):
    app = write_app(project, APP)
    trace(["-q", "-o", str(project / "traces"), "app.py", "--foo", "1", "-o", "x"])
    argv = json.loads((project / "argv.json").read_text())
    assert (Path(argv[0]).resolve(), argv[1:]) == (app.resolve(), ["--foo", "1", "-o", "x"])


def test_app_sees_the_script_as_typed_in_argv0(project):
    write_app(project, APP)
    trace(["-q", "-o", str(project / "traces"), "app.py"])
    assert json.loads((project / "argv.json").read_text())[0] == "app.py"


def test_run_start_records_the_app_argv(project):
    write_app(project, APP)
    trace(["-q", "-o", str(project / "traces"), "app.py", "--foo", "1"])
    start = read_events(project / "traces")[1]
    assert (start["event_type"], start["attrs"]["argv"], start["attrs"]["entry"]["kind"]) == (
        "run_start", ["app.py", "--foo", "1"], "script")


def test_module_runs_with_arguments_after_double_dash(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    write_app(tmp_path / "pkg", APP, name="mod.py")
    result = trace_subprocess(tmp_path, ["-o", str(tmp_path / "traces"), "-m", "pkg.mod", "--", "-q"])
    argv = json.loads((tmp_path / "argv.json").read_text())
    start = read_events(tmp_path / "traces")[1]
    assert (result.returncode, Path(argv[0]).name, argv[1:], start["attrs"]["entry"]["module"]) == (
        0, "mod.py", ["-q"], "pkg.mod")
    assert "trace:" in result.stderr  # `-q` went to the app, not to us


def test_with_a_module_a_positional_argument_goes_to_the_module_as_under_python_m(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    write_app(tmp_path / "pkg", APP, name="mod.py")
    result = trace_subprocess(tmp_path, ["-q", "-o", str(tmp_path / "traces"), "-m", "pkg.mod", "app.py"])
    assert (result.returncode, json.loads((tmp_path / "argv.json").read_text())[1:]) == (0, ["app.py"])


# -- exit codes and failures -----------------------------------------------------------------------
def test_the_app_exit_code_becomes_ours(project):
    write_app(project, "import sys\nsys.exit(3)\n")
    result = trace(["-q", "-o", str(project / "traces"), "app.py"])
    assert (result.exit_code, run_end(read_events(project / "traces"))["attrs"]["exit_code"]) == (3, 3)


def test_an_unhandled_exception_exits_1_with_the_apps_traceback_on_stderr(tmp_path):
    write_app(tmp_path, FAILING_APP)
    result = trace_subprocess(tmp_path, ["-q", "-o", str(tmp_path / "traces"), "app.py"])
    traceback_text = result.stderr[result.stderr.index("Traceback (most recent call last):"):]
    frames = re.findall(r'^  File "([^"]+)", line \d+, in (\S+)$', traceback_text, re.M)
    assert result.returncode == 1
    app = str((tmp_path / "app.py").resolve())
    assert frames == [(app, "<module>"), (app, "main"), (app, "parse")]
    assert traceback_text.splitlines()[-1] == "ValueError: invalid literal for int() with base 10: 'not a number'"


def test_an_unhandled_exception_is_recorded_and_fails_the_run(project):
    write_app(project, FAILING_APP)
    trace(["-q", "-o", str(project / "traces"), "app.py"])
    events = read_events(project / "traces")
    (error,) = [event for event in events if event["event_type"] == "error_occurred"]
    end = run_end(events)
    assert (error["error"]["type"], error["attrs"]["unhandled"]) == ("ValueError", True)
    assert (end["status"], end["error"]["type"], end["error"]["message"]) == (
        "failed", "ValueError", "invalid literal for int() with base 10: 'not a number'")


def test_the_recorded_stack_starts_in_the_app_like_the_printed_one(project):
    write_app(project, FAILING_APP)
    trace(["-q", "-o", str(project / "traces"), "app.py"])
    stack = run_end(read_events(project / "traces"))["error"]["stack"]
    files = re.findall(r'^  File "([^"]+)"', stack, re.M)
    assert files and all(name.endswith("app.py") for name in files)


def test_a_clean_run_ends_completed(project):
    write_app(project, APP)
    result = trace(["-q", "-o", str(project / "traces"), "app.py"])
    assert (result.exit_code, run_end(read_events(project / "traces"))["status"]) == (0, "completed")


# -- the summary -------------------------------------------------------------------------------------
def test_summary_on_stderr_names_the_trace_and_counts_what_the_run_did(project):
    write_app(project, APP + "\nfrom namel3ss_debug import trace_error\ntrace_error(KeyError('k'))\n")
    result = trace(["-o", str(project / "traces"), "app.py"])
    (path,) = trace_files(project / "traces")
    counts = dict(re.findall(r"^(events|llm calls|tool calls)\s+(\d+)", result.stderr, re.M))
    assert f"trace: {os.path.relpath(path)}\n" in result.stderr  # below the working directory: as typed from it
    assert counts == {"events": str(len(read_events(project / "traces"))), "llm calls": "1", "tool calls": "1"}
    # an error the app reported and went on from: handled, as analyze counts it
    assert re.search(r"^errors\s+1 error \(1 handled, 0 unhandled\), 0 failed spans \(KeyError x1\)$",
                     result.stderr, re.M)
    assert result.stdout == ""


def test_summary_lines_are_label_then_value_without_trailing_spaces(project):
    write_app(project, APP)
    result = trace(["-o", str(project / "traces"), "app.py"])
    lines = result.stderr.splitlines()
    assert [line.split("  ")[0] for line in lines[1:]] == ["run", "start-up", "events", "spans", "llm calls",
                                                           "tool calls", "errors", "health", "next", ""]
    assert [line for line in lines if line != line.rstrip()] == []
    assert lines[-4:-2] == ["errors      0 errors, 0 failed spans", "health      healthy"]


def test_summary_ends_with_the_commands_that_look_closer(project):
    write_app(project, FAILED_SPAN_APP)
    result = trace(["-o", str(project / "traces"), "app.py"])
    path = result.stderr.splitlines()[0].removeprefix("trace: ")  # the run is below here: relative
    assert result.stderr.splitlines()[-2:] == [f"next        namel3ss-debug analyze {path}",
                                               f"            namel3ss-debug inspect {path} --errors-only"]


def test_summary_counts_one_failed_span_in_the_singular(project):
    write_app(project, FAILED_SPAN_APP)
    result = trace(["-o", str(project / "traces"), "app.py"])
    assert result.stderr.splitlines()[-4:-2] == [
        "errors      1 error (1 handled, 0 unhandled), 1 failed span (TimeoutError x1)",
        "health      degraded: completed with 1 handled error (TimeoutError 1)"]


@pytest.mark.parametrize(("per_million", "cost"), [(10000, "$0.0700"), (100, "$0.00070")])
def test_summary_shows_the_cost_of_priced_models_with_digits_enough_for_small_runs(project, per_million, cost):
    # 3 tokens in at `per_million` and 2 out at twice that
    write_app(project, APP)
    prices = {"price_overrides": {"fake-1": {"input": per_million, "output": 2 * per_million}}}
    (project / "prices.json").write_text(json.dumps(prices))
    result = trace(["--config", "prices.json", "-o", str(project / "traces"), "app.py"])
    assert f"llm calls   1  tokens 5 (in 3, out 2)  cost {cost}\n" in result.stderr


def test_summary_keeps_a_long_trace_path_on_one_line(tmp_path):
    out = tmp_path / "a-trace-directory-whose-name-is-long-enough-to-pass-eighty-columns"
    write_app(tmp_path, APP)
    result = trace_subprocess(tmp_path, ["-o", str(out), "app.py"], COLUMNS="80")
    (path,) = trace_files(out)
    assert f"trace: {path.relative_to(tmp_path)}\n" in result.stderr


def test_summary_names_a_trace_outside_the_working_directory_in_full(project, tmp_path_factory):
    out = tmp_path_factory.mktemp("elsewhere")
    write_app(project, APP)
    result = trace(["-o", str(out), "app.py"])
    (path,) = trace_files(out)
    assert result.stderr.startswith(f"trace: {path}\n")


def test_quiet_prints_no_summary(project):
    write_app(project, APP)
    result = trace(["--quiet", "-o", str(project / "traces"), "app.py"])
    assert (result.exit_code, result.stderr, len(trace_files(project / "traces"))) == (0, "", 1)


# -- what is recorded ---------------------------------------------------------------------------------
def test_filter_llm_records_only_llm_spans_with_valid_parents(project):
    write_app(project, APP)
    trace(["-q", "-f", "llm", "-o", str(project / "traces"), "app.py"])
    events = read_events(project / "traces")
    span_ids = {event["span_id"] for event in events}
    assert event_types(events) == {"segment_start", "run_start", "llm_call_start", "llm_call_end", "run_end"}
    assert all(event["parent_id"] in span_ids for event in events if event["parent_id"] is not None)


def test_event_type_records_only_that_type(project):
    write_app(project, APP)
    trace(["-q", "--event-type", "llm_call_end", "-o", str(project / "traces"), "app.py"])
    assert event_types(read_events(project / "traces")) == {"segment_start", "run_start", "llm_call_end", "run_end"}


def test_event_type_of_a_start_records_only_starts_with_valid_parents(project):
    write_app(project, APP)
    trace(["-q", "--event-type", "tool_call_start", "-o", str(project / "traces"), "app.py"])
    events = read_events(project / "traces")
    span_ids = {event["span_id"] for event in events}
    assert event_types(events) == {"segment_start", "run_start", "tool_call_start", "run_end"}
    assert all(event["parent_id"] in span_ids for event in events if event["parent_id"] is not None)


def test_secrets_are_redacted_by_default(project):
    write_app(project, SECRET_APP)
    trace(["-q", "-o", str(project / "traces"), "app.py"])
    (path,) = trace_files(project / "traces")
    assert SECRET_KEY.encode() not in path.read_bytes()


def test_no_redact_keeps_secrets(project):
    write_app(project, SECRET_APP)
    trace(["-q", "--no-redact", "-o", str(project / "traces"), "app.py"])
    (path,) = trace_files(project / "traces")
    assert SECRET_KEY.encode() in path.read_bytes()


@pytest.mark.parametrize(("buffer_size", "lines_on_disk"), [(1, 14), (1000, 0)])
def test_buffer_size_sets_how_many_events_wait_before_a_write(project, buffer_size, lines_on_disk):
    # 14 events by then: segment_start, run_start, the start-up's pair and five tool call pairs; the flush
    # thread waits 60 s.
    write_app(project, FLUSH_PROBE_APP)
    trace(["-q", "--buffer-size", str(buffer_size), "-o", str(project / "traces"), "app.py"])
    assert json.loads((project / "flushed.json").read_text()) == {"on_disk": lines_on_disk}


def test_max_file_size_mb_rotates_into_segments_no_larger_than_the_limit(project):
    write_app(project, MANY_APP)
    result = trace(["-q", "--max-file-size-mb", "0.01", "-o", str(project / "traces"), "app.py", "200"])
    sizes = [path.stat().st_size for path in trace_files(project / "traces")]
    assert result.exit_code == 0
    assert len(sizes) >= 3
    assert max(sizes) <= 0.01 * 1024 * 1024


def test_capture_memory_puts_memory_mb_on_end_events(project):
    write_app(project, APP)
    trace(["-q", "--capture-memory", "-o", str(project / "traces"), "app.py"])
    ends = [e for e in read_events(project / "traces") if e["event_type"].endswith("_end")]
    assert {e["event_type"] for e in ends} == {"app_load_end", "tool_call_end", "llm_call_end", "agent_execution_end",
                                               "run_end"}
    assert all(isinstance(e.get("memory_mb"), float) and e["memory_mb"] > 0 for e in ends)


def test_without_capture_memory_no_event_has_memory_mb(project):
    write_app(project, APP)
    trace(["-q", "-o", str(project / "traces"), "app.py"])
    assert not [e for e in read_events(project / "traces") if "memory_mb" in e]


def test_config_file_settings_apply_and_are_named_as_the_source(project):
    write_app(project, APP)
    (project / "cfg.json").write_text('{"default_components": ["tool"]}')
    trace(["-q", "--config", "cfg.json", "-o", str(project / "traces"), "app.py"])
    events = read_events(project / "traces")
    assert event_types(events) == {"segment_start", "run_start", "tool_call_start", "tool_call_end", "run_end"}
    assert events[1]["attrs"]["config_sources"]["default_components"] == "cfg.json"


@pytest.mark.parametrize(("env", "flags", "value", "source"), [
    ({}, [], 100, ".namel3ss/debug.json"),
    ({"NAMEL3SS_DEBUG_BUFFER_SIZE": "200"}, [], 200, "env NAMEL3SS_DEBUG_BUFFER_SIZE"),
    ({"NAMEL3SS_DEBUG_BUFFER_SIZE": "200"}, ["--buffer-size", "300"], 300, "--buffer-size"),
])
def test_buffer_size_flag_beats_env_beats_workspace_file_in_the_recorded_run(project, env, flags, value, source):
    write_app(project, APP)
    (project / ".namel3ss").mkdir()
    (project / ".namel3ss" / "debug.json").write_text('{"buffer_size": 100}')
    result = trace(["-q", *flags, "-o", str(project / "traces"), "app.py"], **env)
    attrs = read_events(project / "traces")[1]["attrs"]
    assert (result.exit_code, attrs["config"]["buffer_size"], attrs["config_sources"]["buffer_size"]) == (
        0, value, source)


# -- usage errors -------------------------------------------------------------------------------------
def assert_one_line_usage_error(result, *needles: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert (result.exit_code, len(lines)) == (2, 1), result.stderr
    assert lines[0].startswith("namel3ss-debug: error: ")
    assert all(needle in lines[0] for needle in needles), lines[0]


def test_a_bad_flag_value_is_one_line_naming_the_flag_and_starts_no_run(project):
    write_app(project, APP)
    result = trace(["--buffer-size", "0", "-o", str(project / "traces"), "app.py"])
    assert_one_line_usage_error(result, "--buffer-size", "buffer_size")
    assert not (project / "traces").exists()


def test_a_missing_script_is_one_line(project):
    assert_one_line_usage_error(trace(["-o", str(project / "traces"), "nope.py"]), "nope.py")


def test_neither_script_nor_module_is_one_line(project):
    result = trace(["-o", str(project / "traces")])
    assert (result.exit_code, result.stderr) == (
        2, "namel3ss-debug: error: nothing to run: give a script or -m MODULE (e.g. namel3ss-debug trace app.py)\n")


def test_an_unknown_option_where_the_script_goes_is_named_as_an_option(project):
    result = trace(["--bogus", "x.py"])
    assert (result.exit_code, result.stderr) == (2, "namel3ss-debug: error: unknown option --bogus for trace "
                                                    "(options go before SCRIPT; see namel3ss-debug trace --help)\n")


def test_a_misspelt_option_suggests_the_closest_one_and_runs_nothing(project):
    write_app(project, APP)
    result = trace(["--ouput", "d", "app.py"])
    assert (result.exit_code, result.stderr) == (2, "namel3ss-debug: error: unknown option --ouput for trace "
                                                    "(did you mean --output? options go before SCRIPT; "
                                                    "see namel3ss-debug trace --help)\n")
    assert not (project / "argv.json").exists()


@pytest.mark.parametrize("module, said", [
    ("no_such_module", "no module named no_such_module (modules are found from the working directory and "
                       "sys.path, as under python -m)"),
    ("json", "no module named json.__main__ (json is a package: give it a __main__.py, or name one of its "
             "modules)"),
], ids=["missing", "a package without __main__"])
def test_a_module_that_cannot_run_is_one_line_and_starts_no_run(project, module, said):
    result = trace(["-o", str(project / "traces"), "-m", module])
    assert (result.exit_code, result.stderr) == (2, f"namel3ss-debug: error: {said}\n")
    assert not (project / "traces").exists()


def test_checking_a_missing_submodule_imports_nothing_of_its_package(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("open('imported', 'w').close()\n")
    result = trace_subprocess(tmp_path, ["-m", "pkg.nope"])
    assert (result.returncode, result.stderr.splitlines()[0]) == (2, "namel3ss-debug: error: no module named pkg.nope "
                                                                     "(modules are found from the working directory "
                                                                     "and sys.path, as under python -m)")
    assert not (tmp_path / "imported").exists()


def test_an_output_directory_that_cannot_be_created_is_one_line_and_runs_nothing(project):
    write_app(project, APP)
    out = project / "app.py" / "traces"
    result = trace(["-o", str(out), "app.py"])
    assert (result.exit_code, result.stderr) == (2, f"namel3ss-debug: error: cannot create trace directory {out}: "
                                                    "Not a directory (choose another with -o DIRECTORY or "
                                                    "trace_output_dir)\n")
    assert not (project / "argv.json").exists()


def test_an_output_path_that_is_a_file_is_one_line(project):
    write_app(project, APP)
    result = trace(["-o", "app.py", "app.py"])
    assert (result.exit_code, result.stderr) == (
        2, f"namel3ss-debug: error: cannot write traces to {project / 'app.py'}"
           ": it is a file, not a directory (choose another with -o DIRECTORY or trace_output_dir)\n")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes to read-only directories")
def test_an_output_directory_without_write_permission_is_one_line(project):
    write_app(project, APP)
    (project / "locked").mkdir(mode=0o500)
    result = trace(["-o", "locked", "app.py"])
    assert (result.exit_code, result.stderr) == (2, f"namel3ss-debug: error: cannot write traces to "
                                                    f"{project / 'locked'}: Permission denied (choose another with "
                                                    "-o DIRECTORY or trace_output_dir)\n")


def test_config_given_a_directory_is_our_one_line(project):
    write_app(project, APP)
    result = trace(["--config", ".", "app.py"])
    assert (result.exit_code, result.stderr) == (
        2, "namel3ss-debug: error: .: is a directory, not a config file "
           "(name the file, such as .namel3ss/debug.json)\n")


def test_a_bad_flag_value_in_a_real_process_has_no_traceback(tmp_path):
    write_app(tmp_path, APP)
    result = trace_subprocess(tmp_path, ["--buffer-size", "0", "app.py"])
    assert (result.returncode, result.stderr.count("\n"), "Traceback" in result.stderr) == (2, 1, False)


# -- help and version ---------------------------------------------------------------------------------
def test_python_m_namel3ss_debug_help_lists_the_commands(tmp_path):
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "--help"], cwd=tmp_path, env=process_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert {"trace", "config", "clean"} <= set(re.findall(r"^  (\w+)", result.stdout, re.M))


def test_trace_help_shows_usage_and_options():
    result = CliRunner().invoke(cli, ["trace", "--help"], catch_exceptions=False)
    assert result.exit_code == 0
    assert all(flag in result.output for flag in ("-m MODULE", "--no-redact", "--buffer-size", "--quiet"))


def test_top_level_help_shows_each_command_s_whole_short_help():
    result = CliRunner().invoke(cli, ["--help"], catch_exceptions=False)
    commands = dict(re.findall(r"^  (\w+)\s+(.+)$", result.output.split("Commands:")[1], re.M))
    assert (result.exit_code, commands) == (0, {
        "analyze": "Summarise runs: latency, tokens, cost, errors, patterns, health.",
        "bisect": "Find the call whose answer broke a run, by offline reruns.",
        "check": "Fail CI when a run breaks rules: errors, latency, cost, events.",
        "clean": "Delete traces older than the retention limit.",
        "config": "Show, create and check the configuration.",
        "diagnose": "Say what went wrong in a run, who caused it, and what to try.",
        "diff": "What changed between two runs: figures, calls, first divergence.",
        "export": "Send runs to an OpenTelemetry backend; write OTLP/JSON, Perfetto.",
        "golden": "Golden runs of pytest tests: do they still match?",
        "inspect": "Look into a trace: events, one event or span, the tree, a timeline.",
        "redact": "Hide secrets in trace files already written (rewrites in place).",
        "replay": "Step through a run like pdb, or --rerun the app offline from it.",
        "runs": "List a directory's runs, filtered and sorted; --trend across them.",
        "report": "Write a run (or two, compared) as one offline HTML page.",
        "trace": "Run a Python app with tracing on and summarise the run.",
        "verify": "Run today's code against a recorded run: fixed or regressed?",
        "view": "Serve the runs and report pages on 127.0.0.1; --follow live runs.",
    })


def test_capture_memory_help_says_when_memory_is_sampled():
    result = CliRunner().invoke(cli, ["trace", "--help"], terminal_width=200, catch_exceptions=False)
    assert "on end and instant events, sampled at most every 50 ms" in result.output


def test_console_script_trace_help(tmp_path):
    script = shutil.which("namel3ss-debug", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the namel3ss-debug console script is not installed beside this Python")
    result = subprocess.run([script, "trace", "--help"], cwd=tmp_path, env=process_env(),
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.startswith("Usage: namel3ss-debug trace")) == (0, True)


def test_version():
    result = CliRunner().invoke(cli, ["--version"], catch_exceptions=False)
    assert (result.exit_code, result.output.strip()) == (0, f"namel3ss-debug, version {__version__}")


# -- --traceback ---------------------------------------------------------------------------------------
def test_our_errors_are_one_line_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "trace", "missing.py"], cwd=tmp_path,
                            env=process_env(), capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stderr.count("\n"), "Traceback" in result.stderr) == (2, 1, False)


def test_traceback_flag_shows_the_python_traceback_of_our_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "namel3ss_debug", "--traceback", "trace", "missing.py"],
                            cwd=tmp_path, env=process_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1  # the exception escapes to Python, which exits with 1
    assert "Traceback (most recent call last):" in result.stderr
    assert "UsageError: no such script: missing.py" in result.stderr


def test_an_app_that_does_not_compile_fails_as_python_says_it_without_a_frame_of_ours(tmp_path):
    (tmp_path / "app.py").write_text("def (:\n")
    result = trace_subprocess(tmp_path, ["-o", "traces", "app.py"])
    python = subprocess.run([sys.executable, "app.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith(python.stderr)  # File "app.py", line 1, the caret, SyntaxError; then the summary
    assert "Traceback" not in result.stderr and "namel3ss_debug" not in result.stderr
