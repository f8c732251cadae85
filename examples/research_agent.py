"""A research agent: plans with an LLM, searches, reads pages, keeps notes, answers.

The second search times out once and is retried, so a trace of this app has one failed
``search`` tool call followed by a successful one with the same query.

    python examples/research_agent.py
    namel3ss-debug trace examples/research_agent.py

Two optional flags change a run, to give `namel3ss-debug diff` something to find:
``--extra-search QUERY`` researches one more query in the answering turn (one more ``search`` call,
and a page read if the query is in the index), ``--llm-latency SECONDS`` makes the model slower.

    namel3ss-debug trace examples/research_agent.py --extra-search "perovskite cells" --llm-latency 0.05

``--vary`` makes the model answer differently on every run, as a real one would (seeded from the
clock): the planner picks two or three of the queries the search index knows, in any order (so the
timed-out search may not happen), and the writer words its answer differently, quotes a different
efficiency figure and says how many notes it had. The run ends with one more line,
``real calls: model=N tools=M``: how often the model and the tool bodies really ran.

    namel3ss-debug trace examples/research_agent.py --vary

Runs offline: the model is a scripted `FakeLLM` and the search engine is a dict.
"""

from __future__ import annotations

import argparse
import random
import time

from namel3ss_debug import (
    mark,
    trace_agent_execution,
    trace_agent_turn,
    trace_llm_call,
    trace_memory_operation,
    trace_tool_call,
)
from namel3ss_debug.testing import FakeCompletion, FakeLLM

AGENT = "researcher"
QUESTION = "How do solar panels turn sunlight into electricity?"
LATENCY_S = 0.003
MAX_SEARCH_ATTEMPTS = 3

PLAN = "photovoltaic effect\nsilicon solar cells\nsolar panel efficiency"
ANSWER = (
    "Sunlight frees electrons in the doped silicon of a solar cell (the photovoltaic effect); "
    "the cell's built-in electric field pushes them out as direct current, and an inverter turns "
    "that into household AC. Good panels convert about 20% of the light that hits them."
)

LLM = FakeLLM(
    {"Plan the research": PLAN, "Write the final answer": ANSWER},
    model="fake-gpt",
    latency_s=LATENCY_S,
)

# How many times the tool bodies really ran (a rerun answers tool calls without running them).
TOOL_RUNS = 0

SEARCH_INDEX = {
    "photovoltaic effect": ["https://example.org/photovoltaic-effect"],
    "silicon solar cells": ["https://example.org/silicon-cells", "https://example.org/doping"],
    "solar panel efficiency": ["https://example.org/efficiency"],
}

PAGES = {
    "https://example.org/photovoltaic-effect": "Photons with enough energy knock electrons loose.",
    "https://example.org/silicon-cells": "A p-n junction in silicon separates the freed charges.",
    "https://example.org/doping": "Doping adds impurities that create the p and n layers.",
    "https://example.org/efficiency": "Commercial panels convert 18-22% of incoming light.",
}


OPENINGS = (
    "Sunlight frees electrons in the doped silicon of a solar cell (the photovoltaic effect)",
    "Photons knock electrons loose in a cell's doped silicon layers (the photovoltaic effect)",
    "In a solar cell, light gives electrons in doped silicon enough energy to break free",
)
MIDDLES = (
    "the cell's built-in electric field pushes them out as direct current",
    "the p-n junction's electric field sweeps them into a direct current",
    "a built-in field at the junction drives them out of the cell as DC",
)


def varying_llm(rng: random.Random, latency_s: float = LATENCY_S) -> FakeLLM:
    """A fake model that answers differently on every run, drawing its choices from ``rng``.

    The planner's queries are always ones SEARCH_INDEX knows, so every plan is a valid path.
    """

    def respond(prompt: str) -> str:
        if "Plan the research" in prompt:
            return "\n".join(rng.sample(list(SEARCH_INDEX), k=rng.randint(2, len(SEARCH_INDEX))))
        if "Write the final answer" in prompt:
            notes = sum(line.startswith("- ") for line in prompt.splitlines())
            return (f"{rng.choice(OPENINGS)}; {rng.choice(MIDDLES)}, and an inverter turns that into "
                    f"household AC. Good panels convert about {rng.randint(17, 23)}% of the light that "
                    f"hits them. (From {notes} notes.)")
        return "I have no answer for that."

    return FakeLLM(responder=respond, model="fake-gpt", latency_s=latency_s)


class FlakySearchEngine:
    """Answers from SEARCH_INDEX; the first request for each query in ``flaky`` times out."""

    def __init__(self, flaky: frozenset[str] = frozenset()) -> None:
        self.flaky = flaky
        self.timed_out: set[str] = set()

    def query(self, query: str) -> list[str]:
        time.sleep(LATENCY_S)
        if query in self.flaky and query not in self.timed_out:
            self.timed_out.add(query)
            raise TimeoutError(f"search backend did not answer {query!r} within 2.0s")
        return SEARCH_INDEX.get(query, [])


# Replaced by run() so that every run starts with a fresh flaky engine.
ENGINE = FlakySearchEngine()


@trace_tool_call(name="search")
def search(query: str, limit: int = 2) -> list[str]:
    """Return up to ``limit`` URLs for ``query``."""
    global TOOL_RUNS
    TOOL_RUNS += 1
    return ENGINE.query(query)[:limit]


@trace_tool_call(name="fetch_page")
def fetch_page(url: str) -> str:
    """Return the text of the page at ``url``."""
    global TOOL_RUNS
    TOOL_RUNS += 1
    time.sleep(LATENCY_S)
    return PAGES[url]


@trace_llm_call(name="planner", codec=FakeCompletion)
def plan_research(question: str):
    """Ask the model which queries to search for."""
    return LLM.complete(f"Plan the research for: {question}\nList one search query per line.")


@trace_llm_call(name="writer", codec=FakeCompletion)
def write_answer(question: str, notes: list[str]):
    """Ask the model for the final answer, given the notes taken."""
    bullet_list = "\n".join(f"- {note}" for note in notes)
    return LLM.complete(f"Write the final answer to: {question}\nNotes:\n{bullet_list}")


def search_with_retry(query: str) -> list[str]:
    """Call the search tool, retrying timeouts; each attempt is its own traced tool call."""
    for attempt in range(1, MAX_SEARCH_ATTEMPTS + 1):
        try:
            return search(query)
        except TimeoutError as exc:
            if attempt == MAX_SEARCH_ATTEMPTS:
                raise
            mark("search_retry", query=query, attempt=attempt, reason=str(exc))
    return []


def research_query(query: str, memory: dict[str, str]) -> None:
    """Search for ``query``, read the top result and note what it says."""
    urls = search_with_retry(query)
    if not urls:
        return
    note = fetch_page(urls[0])
    memory[query] = note
    trace_memory_operation("write", key=f"notes/{query}", value=note, agent=AGENT)


@trace_agent_execution(name=AGENT)
def research(question: str, extra_search: str | None = None) -> str:
    """Plan, research each planned query in its own turn, then answer from the notes.

    ``extra_search``, if given, is researched at the start of the answering turn.
    """
    memory: dict[str, str] = {}
    with trace_agent_turn(AGENT, 1):
        queries = [line.strip() for line in plan_research(question).text.splitlines() if line.strip()]
    for turn, query in enumerate(queries, start=2):
        with trace_agent_turn(AGENT, turn):
            research_query(query, memory)
    with trace_agent_turn(AGENT, len(queries) + 2):
        if extra_search is not None:
            research_query(extra_search, memory)
        notes = list(memory.values())
        trace_memory_operation("read", key="notes/*", value=notes, agent=AGENT, count=len(notes))
        return write_answer(question, notes).text


def run(question: str = QUESTION, extra_search: str | None = None) -> str:
    """Run the agent once, with a search engine whose second query times out on its first try."""
    global ENGINE
    ENGINE = FlakySearchEngine(flaky=frozenset({"silicon solar cells"}))
    return research(question, extra_search) if extra_search is not None else research(question)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A research agent that runs offline.")
    parser.add_argument("--extra-search", metavar="QUERY",
                        help="research one more query, in the answering turn (one more search tool call)")
    parser.add_argument("--llm-latency", metavar="SECONDS", type=float, default=LATENCY_S,
                        help=f"the fake model's latency per call (default {LATENCY_S})")
    parser.add_argument("--vary", action="store_true",
                        help="let the model answer differently on every run (seeded from the clock), "
                             "and print the real call counts at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    global LLM
    args = parse_args(argv)
    if args.llm_latency < 0:
        raise SystemExit("--llm-latency must be >= 0")
    if args.vary:
        LLM = varying_llm(random.Random(time.time_ns()))
    LLM.latency_s = args.llm_latency
    print(f"Q: {QUESTION}")
    print(f"A: {run(extra_search=args.extra_search)}")
    if args.vary:
        print(f"real calls: model={LLM.calls} tools={TOOL_RUNS}")


if __name__ == "__main__":
    main()
