"""`inspect --tree` drawn as lines: the same tree Rich drew for ordinary runs, and for a chain of 20,000 nested
spans a drawing in linear time (Rich's Tree took 46 s, its guides for every level, each label then wrapped to
one column), nesting drawn as deep as the width allows and the spans below listed with their depth."""

from __future__ import annotations

import io
import random

import pytest
from support.growth import assert_linear, cpu_seconds
from rich.console import Console
from rich.tree import Tree
from support.tracefactory import TraceBuilder

from namel3ss_debug.analysis.spans import SpanNode, build_tree
from namel3ss_debug.render.inspect.tree import nesting_cap, node_label, tree_view


def chain(depth: int) -> tuple[SpanNode, ...]:
    """run > a0 > a1 > ... > a{depth-1}, each span ended (events made here: TraceBuilder.end looks its start
    up from the first event, which would take the test time in the square)."""
    trace = TraceBuilder()
    root = trace.run_start()
    parents = [root]
    for number in range(depth):
        parents.append(trace.new_id())
        trace.event("agent_execution_start", "agent", f"a{number}", parents[-1], parents[-2], "started")
    for number in reversed(range(depth)):
        trace.event("agent_execution_end", "agent", f"a{number}", parents[number + 1], parents[number], "completed",
                    duration_ms=1.0)
    return build_tree(trace.events).roots


def random_tree(rng: random.Random) -> tuple[SpanNode, ...]:
    trace = TraceBuilder()
    trace.run_start()
    open_spans: list[str] = []
    for _ in range(rng.randrange(1, 40)):
        if open_spans and rng.random() < 0.4:
            trace.end(open_spans.pop(), rng.uniform(0, 20))
        else:
            open_spans.append(trace.start(rng.choice(("llm", "tool", "agent")), rng.choice(("plan", "search")),
                                          open_spans[-1] if open_spans else None))
    for span in reversed(open_spans):
        trace.end(span, 1.0)
    trace.run_end()
    return build_tree(trace.events).roots


def drawn(roots: tuple[SpanNode, ...], width: int, limit: int | None = None) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(tree_view(roots, limit), soft_wrap=True)
    return console.file.getvalue()


def rich_drawn(roots: tuple[SpanNode, ...], width: int) -> str:
    """What Rich's own Tree draws of the same nodes (the view before this change)."""
    console = Console(file=io.StringIO(), width=width, color_system=None)
    for root in roots:
        branches: list[Tree] = []
        for depth, node in root.walk():
            del branches[depth:]
            branch = Tree(node_label(node)) if depth == 0 else branches[-1].add(node_label(node))
            branches.append(branch)
        console.print(branches[0])
    return console.file.getvalue()


def test_an_ordinary_tree_is_drawn_as_rich_drew_it():
    rng = random.Random(45)
    for _ in range(40):
        roots = random_tree(rng)
        assert drawn(roots, 200) == rich_drawn(roots, 200)


def test_a_deep_chain_draws_one_line_a_span_with_its_depth_past_the_cap():
    lines = drawn(chain(200), 100).splitlines()
    cap = nesting_cap(100)
    assert cap == 10 and len(lines) == 1 + 200 + 2  # the run, 200 spans, the note (wrapped to two lines)
    assert lines[cap].startswith(" " * 4 * (cap - 1) + "└── agent_execution a9  completed  1.0ms")
    assert lines[cap + 1].startswith(" " * 4 * cap + "├── ↳ 11  agent_execution a10  completed  1.0ms")
    assert lines[200].startswith(" " * 4 * cap + "└── ↳ 200  agent_execution a199  completed")
    assert lines[201].startswith("nesting is drawn 10 levels deep: the spans below are listed one level in")
    assert all(len(line) <= 100 for line in lines)


def test_a_wider_console_draws_more_levels():
    assert (nesting_cap(80), nesting_cap(100), nesting_cap(200), nesting_cap(10)) == (5, 10, 35, 4)
    assert "↳" not in drawn(chain(30), 200)


def test_the_limit_counts_every_node_left_out():
    text = drawn(chain(1000), 100, limit=5)
    assert text.splitlines()[-1] == "… 996 more nodes (raise --limit to see them)"


def _seconds(depth: int) -> float:
    roots = chain(depth)
    return cpu_seconds(lambda: drawn(roots, 100), tries=3)


@pytest.mark.slow
def test_a_chain_is_drawn_in_linear_time():
    assert_linear(_seconds, 500, 10_000)
