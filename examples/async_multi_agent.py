"""A coordinator agent runs three worker agents concurrently, then merges their findings.

Each worker (``historian``, ``economist``, ``engineer``) is an asyncio task that asks the model,
looks facts up with an async tool, and scores its draft with a CPU-bound sync tool run in a
thread pool (``loop.run_in_executor``). In a trace, every span sits under the worker that
started it, even the ones that ran in another thread.

    python examples/async_multi_agent.py
    namel3ss-debug trace examples/async_multi_agent.py

``--vary`` makes the model answer differently on every run, as a real one would (seeded from the
clock): each worker's sentence gets a different wording and the synthesizer a different summary
(quoting how many words the drafts had), so the drafts' scores and the summary change too. The run
ends with one more line, ``real calls: model=N tools=M``: how often the model and the tool bodies
really ran.

    namel3ss-debug trace examples/async_multi_agent.py --vary

Runs offline: the model is a scripted `FakeLLM`.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

from namel3ss_debug import span, trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

TOPIC = "the history of the bicycle"
LATENCY_S = 0.004
HASH_ROUNDS = 2_000

ASSIGNMENTS = {
    "historian": "origins",
    "economist": "market",
    "engineer": "design",
}

# First match wins, and the merge prompt quotes the drafts, so "Merge" must come first.
LLM = FakeLLM(
    {
        "Merge": "Bicycles went from a pedal-less 1817 draisine to a mass-market chain-driven machine by the 1890s.",
        "origins": "The draisine of 1817 had no pedals; riders pushed it along with their feet.",
        "market": "The 1890s bicycle boom made it the first mass-market personal vehicle.",
        "design": "The 1885 safety bicycle's chain drive and equal wheels set the modern shape.",
    },
    model="fake-gpt-mini",
    latency_s=LATENCY_S,
)

# Alternative wordings for --vary, by the key the fixed table above answers with.
VARIANTS = {
    "origins": (
        "The draisine of 1817 had no pedals; riders pushed it along with their feet.",
        "Karl Drais's 1817 running machine had no pedals at all; riders kicked it along.",
        "The first bicycle, the 1817 draisine, was a pedal-less two-wheeler pushed with the feet.",
    ),
    "market": (
        "The 1890s bicycle boom made it the first mass-market personal vehicle.",
        "In the boom of the 1890s the bicycle became the first personal vehicle most people could buy.",
        "By the mid-1890s bicycles sold by the million, the first mass-market personal vehicle.",
    ),
    "design": (
        "The 1885 safety bicycle's chain drive and equal wheels set the modern shape.",
        "Starley's 1885 safety bicycle, chain-driven with equal-sized wheels, fixed the modern form.",
        "A chain drive and two equal wheels, introduced by the 1885 safety bicycle, still define the design.",
    ),
}
SUMMARY_OPENINGS = ("Bicycles went from", "In under a century bicycles evolved from", "The bicycle grew from")


def varying_llm(rng: random.Random, latency_s: float = LATENCY_S) -> FakeLLM:
    """A fake model that answers differently on every run, drawing its choices from ``rng``.

    Like the fixed table, "Merge" is checked first (the merge prompt quotes the drafts).
    """

    def respond(prompt: str) -> str:
        if "Merge" in prompt:
            drafts = [line.split(": ", 1)[-1] for line in prompt.splitlines() if line.startswith("- ")]
            words = sum(len(draft.split()) for draft in drafts)
            return (f"{rng.choice(SUMMARY_OPENINGS)} a pedal-less 1817 draisine to a mass-market "
                    f"chain-driven machine by the 1890s (merged from {len(drafts)} drafts, {words} words, "
                    f"confidence {rng.random():.3f}).")
        for key, wordings in VARIANTS.items():
            if key in prompt:
                return rng.choice(wordings)
        return "I have no answer for that."

    return FakeLLM(responder=respond, model="fake-gpt-mini", latency_s=latency_s)


# How many times the tool bodies really ran (a rerun answers tool calls without running them).
# score_draft runs in executor threads, so the count is kept under a lock.
TOOL_RUNS = 0
_TOOL_RUNS_LOCK = threading.Lock()


def count_tool_run() -> None:
    global TOOL_RUNS
    with _TOOL_RUNS_LOCK:
        TOOL_RUNS += 1


FACTS = {
    "origins": ["Karl Drais, Mannheim, 1817"],
    "market": ["over a million bicycles a year in the US by 1897"],
    "design": ["John Kemp Starley, Rover safety bicycle, 1885"],
}


@trace_llm_call(name="worker_llm", codec=FakeCompletion)
async def ask_model(prompt: str):
    return await LLM.acomplete(prompt)


@trace_llm_call(name="synthesizer", codec=FakeCompletion)
async def merge_findings(prompt: str):
    return await LLM.acomplete(prompt)


@trace_tool_call(name="lookup_facts")
async def lookup_facts(subject: str) -> list[str]:
    """An async tool: a pretend HTTP lookup."""
    count_tool_run()
    await asyncio.sleep(LATENCY_S)
    return FACTS.get(subject, [])


@trace_tool_call(name="score_draft")
def score_draft(text: str) -> dict[str, Any]:
    """A CPU-bound sync tool (repeated hashing), run in an executor thread."""
    count_tool_run()
    digest = text.encode()
    for _ in range(HASH_ROUNDS):
        digest = hashlib.sha256(digest).digest()
    return {"words": len(text.split()), "fingerprint": digest.hex()[:12]}


def make_worker(agent_name: str) -> Callable[[str], Awaitable[dict[str, Any]]]:
    """Build a worker agent coroutine function traced under its own agent name."""

    @trace_agent_execution(name=agent_name)
    async def work(subject: str) -> dict[str, Any]:
        draft = (await ask_model(f"As the {agent_name}, write one sentence on the {subject} of {TOPIC}.")).text
        facts = await lookup_facts(subject)
        loop = asyncio.get_running_loop()
        score = await loop.run_in_executor(None, score_draft, draft)
        return {"agent": agent_name, "draft": draft, "facts": facts, **score}

    work.__name__ = work.__qualname__ = f"{agent_name}_work"
    return work


WORKERS = {name: make_worker(name) for name in ASSIGNMENTS}


@trace_agent_execution(name="coordinator")
async def coordinate(topic: str) -> dict[str, Any]:
    """Fan out to the workers concurrently, then ask the model to merge what they found."""
    findings = await asyncio.gather(*(WORKERS[name](subject) for name, subject in ASSIGNMENTS.items()))
    async with span("merge_findings") as merge_span:
        lines = "\n".join(f"- {f['agent']}: {f['draft']}" for f in findings)
        merge_span.set_attribute("workers", len(findings))
        summary = (await merge_findings(f"Merge these findings on {topic}:\n{lines}")).text
        merge_span.set_outputs({"summary": summary})
    return {"topic": topic, "summary": summary, "findings": findings}


async def run(topic: str = TOPIC) -> dict[str, Any]:
    """Run the coordinator with a dedicated thread pool as the loop's default executor."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="scorer") as pool:
        loop.set_default_executor(pool)
        return await coordinate(topic)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Concurrent worker agents and a coordinator, offline.")
    parser.add_argument("--vary", action="store_true",
                        help="let the model answer differently on every run (seeded from the clock), "
                             "and print the real call counts at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    global LLM
    args = parse_args(argv)
    if args.vary:
        LLM = varying_llm(random.Random(time.time_ns()))
    result = asyncio.run(run())
    for finding in result["findings"]:
        print(f"{finding['agent']:>10}: {finding['draft']} [{'; '.join(finding['facts'])}]")
    print(f"Summary: {result['summary']}")
    if args.vary:
        print(f"real calls: model={LLM.calls} tools={TOOL_RUNS}")


if __name__ == "__main__":
    main()
