"""A fork's lineage on the report page, in headless Chromium: the header of its own page names its parent, the
call it changed and where it parted; the comparison page `report PARENT FORK` says so too, in NEW's header and
in the alignment card. The trace's text (here markup in the parted call's key) is shown as text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
from support.tracefactory import TraceBuilder

pytestmark = pytest.mark.browser

PARENT, CHILD = "20261122-100000-aaaaaa", "20261122-110000-bbbbbb"
CALL = 'llm:<img src=x onerror="document.title=1">#2'
SAID = f"fork of {PARENT} at {CALL} (answer), parted at {CALL} (forked)"


def run(path: Path, run_id: str, **start: Any) -> Path:
    trace = TraceBuilder(run_id)
    trace.run_start(**start)
    agent = trace.start("agent", "helper")
    for answer in ("Paris", "rain"):
        trace.span("llm", "openai.chat", 50.0, agent, model="gpt-4o", outputs={"content": answer})
    trace.end(agent, 100.0)
    trace.run_end(**({"parted": {"call": CALL, "how": "forked"}} if start else {}))
    return trace.write(path)


@pytest.fixture
def family(tmp_path: Path) -> tuple[Path, Path]:
    return (run(tmp_path / "parent.jsonl", PARENT),
            run(tmp_path / "fork.jsonl", CHILD, replay_of={"run_id": PARENT, "trace": "parent.jsonl",
                                                           "fork": {"call": CALL, "change": "answer"}}))


def test_the_header_of_a_fork_names_its_parent_its_change_and_where_it_parted(
        browser: Any, make_report: Callable[..., Path], family: tuple[Path, Path]) -> None:
    browser.open(make_report(family[1]))
    assert browser.text("#run-head .rerun-of") == SAID
    assert browser.js("return document.querySelector('#run-head .rerun-of').title") == \
        f"{SAID}\nwritten by replay --rerun of run {PARENT} (parent.jsonl)"
    assert browser.js("return document.querySelectorAll('#header img').length") == 0
    assert browser.js("return document.title") != "1"


def test_a_run_that_is_no_rerun_has_no_lineage_in_its_header(browser: Any, make_report: Callable[..., Path],
                                                            family: tuple[Path, Path]) -> None:
    browser.open(make_report(family[0]))
    assert browser.js("return document.querySelectorAll('#run-head .rerun-of').length") == 0


def test_the_comparison_of_parent_and_fork_says_where_the_fork_parted(
        browser: Any, make_report: Callable[..., Path], family: tuple[Path, Path], tmp_path: Path) -> None:
    browser.open(make_report(*family, out=tmp_path / "compare.html"))
    assert browser.js("return N3.tab") == "compare"
    lines = browser.js("return [...document.querySelectorAll('#run-head .run-line')].map((l) => l.innerText)")
    assert SAID not in lines[0] and SAID in lines[1]
    card = browser.text("#cmp-summary")
    assert f"NEW is a fork of BASE that parted from it at {CALL} (forked)" in card
    assert browser.js("return document.querySelectorAll('#main img').length") == 0


TRIP = """
from namel3ss_debug import trace_agent_execution, trace_llm_call

@trace_llm_call(name="chat")
def chat(prompt):
    return "Paris" if prompt.startswith("Which") else "Pack for " + prompt.split(": ", 1)[1]

@trace_agent_execution(name="trip")
def plan():
    print(chat("Weather there: " + chat("Which city?")))

plan()
"""


def cli(*args: str, cwd: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("NAMEL3SS_DEBUG_")}
    done = subprocess.run([sys.executable, "-m", "namel3ss_debug", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_real_fork_and_its_recording_side_by_side(browser: Any, make_report: Callable[..., Path],
                                                    tmp_path: Path) -> None:
    (tmp_path / "trip.py").write_text(TRIP)
    cli("trace", "-q", "-o", "recorded", "trip.py", cwd=tmp_path)
    cli("replay", "recorded", "--rerun", "-o", "forked", "--yes", "--on-miss", "live", "--fork", "llm:chat#1",
        "--answer", '"Lisbon"', cwd=tmp_path)
    recorded, fork = (next((tmp_path / name).glob("*.jsonl")) for name in ("recorded", "forked"))
    browser.open(make_report(recorded, fork, out=tmp_path / "compare.html"))
    said = f"fork of {recorded.name.split('.')[0]} at llm:chat#1 (answer), parted at llm:chat#1 (forked)"
    assert browser.text("#run-head .rerun-of") == said
    assert "NEW is a fork of BASE that parted from it at llm:chat#1 (forked)" in browser.text("#cmp-summary")
