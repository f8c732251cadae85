"""A diff side's calls in tree order (diffing/tree_order.py): two runs that did the same, whose concurrent
agents interleaved their calls differently, are the same run to `diff`; a run that did one thing at a time
keeps its start order. The check in C (`model/_arrays.c`'s `tree_ordered`) against its Python reference."""

from __future__ import annotations

import random
from array import array
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from diffruns import agent_run, profile
from support.tracefactory import TraceBuilder

from namel3ss_debug.cli.main import cli
from namel3ss_debug.diffing.compare import diff_runs
from namel3ss_debug.diffing.tree_order import tree_order, tree_ordered
from namel3ss_debug.model import arrays
from namel3ss_debug.model.arrays import tree_ordered_py as in_tree_order_py
from namel3ss_debug.ops.diff import DiffRequest, diff_traces
from namel3ss_debug.ops.environment import Environment

AGENTS = ("planner", "critic", "booker")
WEATHER = {"planner": "sunny, 22 C", "critic": "snow, -3 C", "booker": "clear, 18 C"}


def gathered(turns: list[str], weather: dict[str, str] | None = None) -> list[dict]:
    """Three agents started together under the run; `turns` says whose next step starts next (each agent: an LLM
    call, then its tool, then an LLM call answering), as the event loop resumed their tasks."""
    b = TraceBuilder()
    root = b.run_start()
    agents = {name: b.start("agent", name, root) for name in AGENTS}
    steps = {name: 0 for name in AGENTS}
    for name in turns:
        step, parent = steps[name], agents[name]
        steps[name] += 1
        if step == 1:
            b.span("tool", "get_weather", 1, parent, inputs={"agent": name},
                   outputs={"return": {**WEATHER, **(weather or {})}[name]})
        else:
            b.span("llm", "openai.chat", 5, parent, inputs={"agent": name, "step": step},
                   outputs={"text": f"{name} step {step}"})
    for name in AGENTS:
        b.end(agents[name], 10)
    b.run_end()
    return b.events


RECORDED = ["planner", "critic", "booker"] * 3
INTERLEAVED = ["booker", "planner", "planner", "critic", "booker", "critic", "planner", "booker", "critic"]


def test_two_runs_whose_agents_interleaved_otherwise_are_the_same_run() -> None:
    report = diff_runs(profile(gathered(RECORDED)), profile(gathered(INTERLEAVED)))
    assert (report.calls.divergence, report.calls.added, report.calls.removed) == (None, 0, 0)
    assert (report.outputs.compared, report.outputs.changed) == (9, 0)


def test_an_agent_whose_tool_returned_something_else_is_the_one_output_changed() -> None:
    report = diff_runs(profile(gathered(RECORDED)), profile(gathered(INTERLEAVED, {"critic": "hail, 2 C"})))
    assert report.calls.divergence is None and report.outputs.changed == 1
    item = report.outputs.items[0]
    assert (item.base.parent, item.new.parent, item.base_preview, item.new_preview) == (
        "agent:critic#1", "agent:critic#1", "snow, -3 C", "hail, 2 C")


def test_the_calls_are_listed_agent_by_agent_each_in_the_order_it_made_them() -> None:
    table = profile(gathered(INTERLEAVED)).calls.calls
    assert [(call.operation, table[call.parent].name if call.parent >= 0 else None) for call in table] == [
        ("app:app.py", None),
        *[call for name in AGENTS for call in ((f"agent:{name}", "app.py"), ("llm:openai.chat", name),
                                               ("tool:get_weather", name), ("llm:openai.chat", name))]]
    assert [call.depth for call in table][:5] == [0, 1, 2, 2, 2]
    # call numbers stay those of the run, in start order (replay's keys): booker's tool started second
    assert [call.key for call in table if call.component == "tool"] == [
        "tool:get_weather#1", "tool:get_weather#3", "tool:get_weather#2"]


def test_a_run_that_did_one_thing_at_a_time_keeps_its_start_order() -> None:
    table = profile(agent_run(searches=("a", "b", "c"))).calls.calls
    assert [call.seq for call in table] == sorted(call.seq for call in table)
    assert tree_ordered(table) is table


def test_a_table_reordered_keeps_each_calls_fields_parents_and_previews() -> None:
    table = profile(gathered(INTERLEAVED)).calls.calls
    table.previews = {index: f"preview {index}" for index in range(len(table))}
    order = array("i", [0, 1, 4, 3, 2, *range(5, len(table))])
    moved = table.reordered(order)
    assert [moved[new].seq for new in range(len(moved))] == [table[old].seq for old in order]
    assert [moved.previews[new] for new in range(len(moved))] == [f"preview {old}" for old in order]
    assert all(moved[new].parent == (order.index(table[old].parent) if table[old].parent >= 0 else -1)
               for new, old in enumerate(order))


def random_parents(rng: random.Random, size: int, interleave: bool) -> list[int]:
    """A run's parents: calls opened under the latest open call, or (interleaving) under any open one."""
    parents, open_calls = [], []
    for index in range(size):
        while open_calls and rng.random() < 0.3:
            open_calls.pop(rng.randrange(len(open_calls)) if interleave else -1)
        if interleave and open_calls:
            parents.append(rng.choice(open_calls + [-1]))
        else:
            parents.append(open_calls[-1] if open_calls else -1)
        open_calls.append(index)
    return parents


@pytest.mark.parametrize("seed", range(30))
def test_tree_order_lists_each_call_after_its_parent_and_its_subtree_whole(seed: int) -> None:
    rng = random.Random(seed)
    parents = random_parents(rng, rng.randrange(1, 300), interleave=True)
    order = tree_order(parents)
    assert sorted(order) == list(range(len(parents)))
    position = {old: new for new, old in enumerate(order)}
    renumbered = [position[parents[old]] if parents[old] >= 0 else -1 for old in order]
    assert in_tree_order_py(renumbered)
    for parent in set(parents):  # siblings keep their start order
        siblings = [index for index, p in enumerate(parents) if p == parent]
        assert [position[index] for index in siblings] == sorted(position[index] for index in siblings)
    if in_tree_order_py(parents):
        assert list(order) == list(range(len(parents)))


def brute_force_in_tree_order(parents: list[int]) -> bool:
    """The definition: the calls' order is the tree order `tree_order` makes (parents each an earlier call)."""
    return all(-1 <= p < i for i, p in enumerate(parents)) and list(tree_order(parents)) == list(range(len(parents)))


@pytest.mark.parametrize("seed", range(30))
def test_the_reference_check_is_the_definition(seed: int) -> None:
    rng = random.Random(seed)
    for interleave in (False, True):
        parents = random_parents(rng, rng.randrange(0, 200), interleave)
        assert in_tree_order_py(parents) is brute_force_in_tree_order(parents)
    assert in_tree_order_py([-1, 0, 1, 0, 3]) and not in_tree_order_py([-1, 0, 0, 1])


@pytest.mark.skipif(not arrays.ACCELERATED, reason="the C extension was not compiled on this install")
@pytest.mark.parametrize("seed", range(30))
def test_the_compiled_check_gives_the_references_answers(seed: int) -> None:
    from namel3ss_debug.model._arrays import tree_ordered as compiled  # noqa: PLC0415 - only where compiled

    rng = random.Random(seed)
    for interleave in (False, True):
        parents = array("i", random_parents(rng, rng.randrange(0, 3000), interleave))
        assert compiled(parents) is in_tree_order_py(parents)
        if parents:
            wrong = rng.randrange(len(parents))  # damaged: a parent not before its call, or below -1
            parents[wrong] = rng.choice((wrong, wrong + 1, 2**31 - 1, -2, -(2**31)))
            assert compiled(parents) is in_tree_order_py(parents) is False
    assert compiled(array("i")) is True
    for other in (array("q", [-1]), array("I", [0])):  # not parents: refused, and answered by the reference
        with pytest.raises(TypeError):
            compiled(other)
        assert arrays.tree_ordered(other) is in_tree_order_py(other)


def write(path: Path, events: list[dict]) -> str:
    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
    return str(path)


@pytest.mark.usefixtures("isolated_workspace")
def test_diff_calls_two_runs_whose_agents_interleaved_otherwise_the_same(tmp_path: Path) -> None:
    base, new = write(tmp_path / "base.jsonl", gathered(RECORDED)), write(tmp_path / "new.jsonl", gathered(INTERLEAVED))
    for _ in range(2):  # read, then from the cache
        done = CliRunner().invoke(cli, ["diff", base, new, "--format", "json"], catch_exceptions=False)
        report = orjson.loads(done.stdout)
        assert (report["calls"]["divergence"], report["calls"]["added"], report["calls"]["removed"]) == (None, 0, 0)
        assert report["outputs"]["changed"] == 0


def test_a_diff_side_kept_in_another_order_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The order of a side's calls (`calls.ORDER`) is in the cache's key: a side kept in start order, by an
    earlier version, is not aligned with one in tree order."""
    request = DiffRequest(write(tmp_path / "base.jsonl", gathered(RECORDED)),
                          write(tmp_path / "new.jsonl", gathered(INTERLEAVED)))
    env = Environment(environ={"XDG_CACHE_HOME": str(tmp_path / "cache")}, cwd=tmp_path, warn=lambda message: None)
    first = diff_traces(request, env)
    kept = tmp_path / "cache" / "namel3ss-debug" / "results"
    assert len(list(kept.iterdir())) == 3  # each side and the answer
    monkeypatch.setattr("namel3ss_debug.diffing.calls.ORDER", "start")
    assert diff_traces(request, env) == first
    assert len(list(kept.iterdir())) == 6  # and again, under keys that name the other order
