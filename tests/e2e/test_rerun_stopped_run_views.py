"""A rerun that a miss stopped (the app asks a tool once more than it recorded) reads as stopped on every screen:
`runs` (its table, its JSON and the run index behind them), `analyze`'s health and errors, and the HTML report.
It is marked `stopped: no recorded answer`, never an app crash (`failed (exit 1)`, `1 unhandled`) nor `failing`
or `healthy`; the stop is not counted as an error of the app's. The run is a real one: traced, its code changed,
rerun with `replay --rerun`, each command in a process of its own."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from support.rerunhelpers import command, in_process

APP = '''
from namel3ss_debug import trace_tool_call


@trace_tool_call(name="lookup")
def lookup(city):
    if city == "Atlantis":
        raise ValueError("no such city")
    return "sunny in " + city


try:
    lookup("Atlantis")
except ValueError:
    pass  # the app goes on: a handled error, before the stop
print(lookup("Paris"))
'''
ONE_MORE = 'print(lookup("Oslo"))\n'  # a call the recording has no answer for


@pytest.fixture(scope="module")
def stopped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The directory of the stopped rerun's trace (`new/`), in the app's directory."""
    where = tmp_path_factory.mktemp("stopped")
    (where / "app.py").write_text(APP)
    done = command("trace", "-q", "-o", "rec", "app.py", cwd=where, timeout=120)
    assert done.returncode == 0, done.stderr
    (where / "app.py").write_text(APP + ONE_MORE)
    trace = next((where / "rec").glob("*.jsonl"))
    done = command("replay", str(trace), "--rerun", "-o", "new", cwd=where, timeout=120)
    assert done.returncode == 1 and "tool:lookup#3" in done.stdout, done.stdout + done.stderr
    return where / "new"


def test_runs_lists_it_as_stopped_with_no_recorded_answer_not_as_a_crash(stopped):
    done = in_process("runs", str(stopped), cwd=stopped.parent)
    line = next(line for line in done.stdout.splitlines() if line.startswith("2"))
    assert "stopped: no recorded answer" in line, done.stdout
    assert not re.search(r"failed|exit 1|unhandled|failing|healthy", line), line
    assert re.search(r"\s1\s+stopped\s", line), line  # its one error is the handled one, its health stopped


def test_runs_json_and_its_index_say_stopped_and_count_only_the_app_s_errors(stopped):
    done = in_process("runs", str(stopped), "--format", "json", cwd=stopped.parent)
    row = json.loads(done.stdout)["runs"][0]
    assert (row["status"], row["stopped"], row["health"], row["exit_code"]) == \
        ("stopped", "no recorded answer", "stopped", 1)
    assert (row["errors"], row["handled_errors"], row["unhandled_errors"], row["error_types"]) == \
        (1, 1, 0, ["ValueError"])
    with sqlite3.connect(stopped / ".namel3ss-runs.sqlite") as index:
        assert index.execute("SELECT status, health, errors FROM runs").fetchall() == [("stopped", "stopped", 1)]


def test_an_index_of_the_format_before_is_made_again_and_says_stopped(stopped):
    in_process("runs", str(stopped), cwd=stopped.parent)
    with sqlite3.connect(stopped / ".namel3ss-runs.sqlite") as index:  # as the format before left it
        index.execute("UPDATE meta SET value = 4 WHERE name = 'format'")
        index.execute("UPDATE runs SET status = 'failed', health = 'failing'")
    done = in_process("runs", str(stopped), "--health", "stopped", "--format", "json", cwd=stopped.parent)
    assert "made for another format: rebuilt from the traces" in done.stderr
    assert [row["status"] for row in json.loads(done.stdout)["runs"]] == ["stopped"]


def test_analyze_s_health_is_stopped_and_its_errors_are_the_app_s(stopped):
    trace = str(next(stopped.glob("*.jsonl")))
    report = json.loads(in_process("analyze", trace, "--format", "json", cwd=stopped.parent).stdout)
    assert (report["health"]["verdict"], report["health"]["failure"]) == ("stopped", None)
    assert report["health"]["reasons"][:2] == ["stopped: no recorded answer", "1 handled error (ValueError 1)"]
    run = report["overview"]["runs"][0]
    assert (run["status"], run["stopped"], run["exit_code"]) == ("stopped", "no recorded answer", 1)
    assert (report["errors"]["total"], report["errors"]["unhandled"], report["errors"]["failed_spans"]) == (1, 0, 1)
    assert report["findings"]["blames"] == []
    text = in_process("analyze", trace, cwd=stopped.parent).stdout
    assert "health: stopped\n  - stopped: no recorded answer\n" in text
    assert "RerunMiss" not in text


def test_the_html_report_says_stopped(stopped):
    trace = str(next(stopped.glob("*.jsonl")))
    done = in_process("report", trace, "-o", "page.html", cwd=stopped.parent)
    assert done.returncode == 0, done.stderr
    page = (stopped.parent / "page.html").read_text()
    data = json.loads(re.search(r'<script type="application/json" id="n3-data">(.*?)</script>', page, re.S)[1])
    run = data["runs"][0]
    assert (run["status"], run["stopped"]) == ("stopped", "no recorded answer")
    assert run["analysis"]["health"]["verdict"] == "stopped"
