"""A coordinator agent runs three worker agents concurrently, then merges their findings.

Each worker (``historian``, ``economist``, ``engineer``) is an asyncio task that asks the model,
looks facts up with an async tool, and scores its draft with a CPU-bound sync tool run in a
thread pool (``loop.run_in_executor``). In a trace, every span sits under the worker that
started it, even the ones that ran in another thread.

    python examples/async_multi_agent.py
    namel3ss-debug trace examples/async_multi_agent.py

Runs offline: the model is a scripted `FakeLLM`.
"""

from __future__ import annotations

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Awaitable, Callable

from namel3ss_debug import span, trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeLLM

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

FACTS = {
    "origins": ["Karl Drais, Mannheim, 1817"],
    "market": ["over a million bicycles a year in the US by 1897"],
    "design": ["John Kemp Starley, Rover safety bicycle, 1885"],
}


@trace_llm_call(name="worker_llm")
async def ask_model(prompt: str):
    return await LLM.acomplete(prompt)


@trace_llm_call(name="synthesizer")
async def merge_findings(prompt: str):
    return await LLM.acomplete(prompt)


@trace_tool_call(name="lookup_facts")
async def lookup_facts(subject: str) -> list[str]:
    """An async tool: a pretend HTTP lookup."""
    await asyncio.sleep(LATENCY_S)
    return FACTS.get(subject, [])


@trace_tool_call(name="score_draft")
def score_draft(text: str) -> dict[str, Any]:
    """A CPU-bound sync tool (repeated hashing), run in an executor thread."""
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


def main() -> None:
    result = asyncio.run(run())
    for finding in result["findings"]:
        print(f"{finding['agent']:>10}: {finding['draft']} [{'; '.join(finding['facts'])}]")
    print(f"Summary: {result['summary']}")


if __name__ == "__main__":
    main()
