"""A rerun's or fork's lineage in every text view: `analyze` (table, Markdown, JSON valid by its schema), `inspect`
(over the list, the tree and the timeline), `diff` (each side, and where one run parted from the other), read from
`run_start.attrs.replay_of` and `run_end.attrs.parted`; text from the trace shown, never interpreted. Then the same
on a real rerun that `replay --rerun --mock` made of a recorded app."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator
from support.tracefactory import TraceBuilder
from support.rerunhelpers import command

from namel3ss_debug.cli.main import cli
from namel3ss_debug.schemas import load_analyze_schema

pytestmark = pytest.mark.usefixtures("isolated_workspace")

PARENT, CHILD = "20261122-100000-aaaaaa", "20261122-110000-bbbbbb"
FORK = {"call": "llm:openai.chat#2", "change": "model", "model": "gpt-4o-mini"}
PARTED = {"call": "llm:openai.chat#2", "how": "forked"}


def run(path: Path, run_id: str, *, replay_of: dict | None = None, parted: dict | None = None) -> str:
    """Two LLM calls under an agent; a rerun's run_start names `replay_of`, its run_end `parted`."""
    trace = TraceBuilder(run_id)
    trace.run_start(**({"replay_of": replay_of} if replay_of is not None else {}))
    agent = trace.start("agent", "helper")
    for answer in ("Paris", "rain"):
        trace.span("llm", "openai.chat", 50.0, agent, model="gpt-4o", outputs={"content": answer})
    trace.end(agent, 100.0)
    trace.run_end(**({"parted": parted} if parted is not None else {}))
    return str(trace.write(path))


@pytest.fixture
def family(tmp_path: Path) -> tuple[str, str]:
    """A recorded run and a fork of it at its second LLM call (sent to another model), parted there."""
    parent = run(tmp_path / "parent.jsonl", PARENT)
    fork = run(tmp_path / "fork.jsonl", CHILD, replay_of={"run_id": PARENT, "trace": "parent.jsonl",
                                                          "match": "call", "mocks": [], "fork": FORK},
               parted=PARTED)
    return parent, fork


def cli_run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


SAID = f"fork of {PARENT} at llm:openai.chat#2 (model gpt-4o-mini), parted at llm:openai.chat#2 (forked)"


def test_analyze_names_the_fork_its_change_and_where_it_parted(family: tuple[str, str]) -> None:
    line = next(line for line in cli_run("analyze", family[1], "--no-cache").splitlines() if line.startswith("run "))
    assert f"  {SAID}  " in line
    markdown = cli_run("analyze", family[1], "--no-cache", "--format", "markdown")
    assert (f"fork of {PARENT} at llm:openai.chat\\#2 (model gpt-4o-mini), "
            "parted at llm:openai.chat\\#2 (forked)") in markdown


def test_analyze_json_carries_the_lineage_valid_by_the_schema(family: tuple[str, str]) -> None:
    document = json.loads(cli_run("analyze", *family, "--no-cache", "--format", "json"))
    Draft202012Validator(load_analyze_schema()).validate(document)
    parent, fork = document["overview"]["runs"]
    assert parent["rerun_of"] is None
    assert fork["rerun_of"] == {"run_id": PARENT, "trace": "parent.jsonl", "fork": FORK, "parted": PARTED}


def test_a_run_that_is_no_rerun_says_nothing_of_lineage(family: tuple[str, str]) -> None:
    assert "rerun of" not in cli_run("analyze", family[0], "--no-cache")
    for view in ((), ("--tree",), ("--timeline",)):
        assert " of " not in cli_run("inspect", family[0], "--no-pager", *view).splitlines()[0]


@pytest.mark.parametrize("view", [(), ("--tree",), ("--timeline",), ("--type", "llm*")])
def test_inspect_heads_the_list_tree_and_timeline_with_the_lineage(family: tuple[str, str],
                                                                 view: tuple[str, ...]) -> None:
    first = cli_run("inspect", family[1], "--no-pager", *view).splitlines()[0]
    assert first == f"run {CHILD}: {SAID}"


def test_inspect_json_is_unchanged_by_a_lineage(family: tuple[str, str]) -> None:
    document = json.loads(cli_run("inspect", family[1], "--format", "json"))
    assert "lineage" not in document and document["count"] == 8


def test_an_unfinished_rerun_is_a_fork_with_no_parting_said(tmp_path: Path) -> None:
    lines = TraceBuilder(CHILD)
    lines.run_start(replay_of={"run_id": PARENT, "fork": FORK})
    lines.span("llm", "openai.chat", 50.0)
    path = str(lines.write(tmp_path / "cut.jsonl"))
    assert cli_run("inspect", path, "--no-pager").splitlines()[0] == \
        f"run {CHILD}: fork of {PARENT} at llm:openai.chat#2 (model gpt-4o-mini)"


def test_a_compressed_fork_is_named_without_its_parting_which_is_at_its_end(family: tuple[str, str],
                                                                           tmp_path: Path) -> None:
    packed = tmp_path / "packed" / "fork.jsonl.gz"
    packed.parent.mkdir()
    packed.write_bytes(gzip.compress(Path(family[1]).read_bytes()))
    assert cli_run("inspect", str(packed), "--no-pager").splitlines()[0] == \
        f"run {CHILD}: fork of {PARENT} at llm:openai.chat#2 (model gpt-4o-mini)"


@pytest.mark.parametrize("order", ["parent first", "fork first"])
def test_diff_says_which_run_is_the_fork_of_the_other_and_where_it_parted(family: tuple[str, str],
                                                                         order: str) -> None:
    base, new = family if order == "parent first" else family[::-1]
    text = cli_run("diff", base, new, "--no-cache")
    child, parent = ("NEW", "BASE") if order == "parent first" else ("BASE", "NEW")
    assert f"{child} is a fork of {parent} that parted from it at llm:openai.chat#2 (forked)\n" in text
    assert f"4 calls; {SAID})" in text
    markdown = cli_run("diff", base, new, "--no-cache", "--format", "markdown")
    assert f"{child} is a fork of {parent} that parted from it at llm:openai.chat\\#2 (forked)" in markdown
    document = json.loads(cli_run("diff", base, new, "--no-cache", "--format", "json"))
    side = document["new" if child == "NEW" else "base"]
    assert side["rerun_of"] == {"run_id": PARENT, "trace": "parent.jsonl", "fork": FORK, "parted": PARTED}
    assert document["base" if child == "NEW" else "new"]["rerun_of"] is None


def test_diff_of_two_runs_that_are_not_kin_says_no_parting(family: tuple[str, str], tmp_path: Path) -> None:
    other = run(tmp_path / "other.jsonl", "20261122-120000-cccccc", replay_of={"run_id": "20261122-000000-dddddd"})
    text = cli_run("diff", family[0], other, "--no-cache")
    assert "parted from" not in text and "4 calls; rerun of 20261122-000000-dddddd)" in text


def test_text_from_the_trace_is_shown_not_interpreted(tmp_path: Path) -> None:
    hostile = {"call": "llm:[bold red]x[/]\x1b[31m\n#1", "how": "mocked\u202e"}
    path = run(tmp_path / "hostile.jsonl", CHILD, replay_of={"run_id": PARENT}, parted=hostile)
    expected = "parted at llm:[bold red]x[/]\\x1b[31m\\n#1 (mocked\\u202e)"
    assert cli_run("inspect", path, "--no-pager").splitlines()[0] == f"run {CHILD}: rerun of {PARENT}, {expected}"
    line = next(line for line in cli_run("analyze", path, "--no-cache").splitlines() if line.startswith("run "))
    assert expected in line and "\x1b" not in line
    parent = run(tmp_path / "parent.jsonl", PARENT)
    assert "NEW is a rerun of BASE that parted from it at llm:[bold red]x[/]\\x1b[31m\\n#1 (mocked\\u202e)" in \
        cli_run("diff", parent, path, "--no-cache")


TRIP = '''
from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call

@trace_llm_call(name="chat")
def chat(prompt):
    return "Paris" if prompt.startswith("Which") else "Pack for " + prompt.split(": ", 1)[1]

@trace_tool_call
def weather(city):
    return {"Paris": "rain, 11 C", "Lisbon": "sunny, 24 C"}[city]

@trace_agent_execution(name="trip")
def plan():
    print(chat("Weather there: " + weather(chat("Which city?"))))

plan()
'''


def test_a_real_mocked_rerun_shows_its_parent_and_where_the_mock_parted_it(tmp_path: Path) -> None:
    (tmp_path / "trip.py").write_text(TRIP)
    assert command("trace", "-q", "-o", "recorded", "trip.py", cwd=tmp_path).returncode == 0
    recorded = next((tmp_path / "recorded").glob("*.jsonl"))
    parent = recorded.name.split(".")[0]
    again = command("replay", str(recorded), "--rerun", "-o", "again", "--yes", "--live-tools",
                    "--on-miss", "live", "--mock", 'llm:chat#1="Lisbon"', cwd=tmp_path)
    assert "parted        at llm:chat#1 (mocked)" in again.stdout, again.stdout + again.stderr
    rerun = next((tmp_path / "again").glob("*.jsonl"))
    said = f"rerun of {parent}, parted at llm:chat#1 (mocked)"
    listed = cli_run("inspect", str(rerun), "--no-pager")  # reading the runs: in this process
    assert listed.splitlines()[0] == f"run {rerun.name.split('.')[0]}: {said}", listed
    assert f"  {said}  " in cli_run("analyze", str(rerun), "--no-cache")
    compared = cli_run("diff", str(recorded), str(rerun), "--no-cache")
    assert "NEW is a rerun of BASE that parted from it at llm:chat#1 (mocked)\n" in compared


def test_a_real_fork_shows_its_parent_the_call_it_changed_and_where_it_parted(tmp_path: Path) -> None:
    (tmp_path / "trip.py").write_text(TRIP)
    assert command("trace", "-q", "-o", "recorded", "trip.py", cwd=tmp_path).returncode == 0
    recorded = next((tmp_path / "recorded").glob("*.jsonl"))
    forked = command("replay", str(recorded), "--rerun", "-o", "forked", "--yes", "--live-tools", "--on-miss", "live",
                     "--fork", "llm:chat#1", "--answer", '"Lisbon"', cwd=tmp_path)
    assert forked.returncode == 0, forked.stdout + forked.stderr
    fork = next((tmp_path / "forked").glob("*.jsonl"))
    said = f"fork of {recorded.name.split('.')[0]} at llm:chat#1 (answer), parted at llm:chat#1 (forked)"
    tree = cli_run("inspect", str(fork), "--tree", "--no-pager")  # reading the runs: in this process
    assert tree.splitlines()[0] == f"run {fork.name.split('.')[0]}: {said}", tree
    document = json.loads(cli_run("analyze", str(fork), "--no-cache", "--format", "json"))
    assert document["overview"]["runs"][0]["rerun_of"]["fork"] == {"call": "llm:chat#1", "change": "answer",
                                                                   "model": None}
    compared = cli_run("diff", str(recorded), str(fork), "--no-cache", "--format", "markdown")
    assert "NEW is a fork of BASE that parted from it at llm:chat\\#1 (forked)" in compared
