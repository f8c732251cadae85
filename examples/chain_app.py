"""A support-ticket chain: extract fields with an LLM, validate them, stream help articles, summarize.

Steps (each a ``chain_step`` span of the ``support_ticket`` chain):

1. ``extract``  - a prompt template is filled in and sent to the model, which answers in JSON
2. ``validate`` - the JSON is parsed and its required fields checked (a ``validation`` event)
3. ``retrieve`` - a generator tool streams knowledge-base snippets for the ticket's category
4. ``reply``    - a second LLM call drafts the reply to the customer

    python examples/chain_app.py
    namel3ss-debug trace examples/chain_app.py

``--vary`` makes the model answer differently on every run, as a real one would (seeded from the
clock): the extractor words the summary differently and picks a priority, and the replier words the
reply differently, quotes a refund reference and a delivery time. The JSON always has the required
fields and the ``billing`` category, so the chain still runs all four steps. The run ends with one
more line, ``real calls: model=N tools=M``: how often the model and the tool bodies really ran.

    namel3ss-debug trace examples/chain_app.py --vary

Runs offline: the model is a scripted `FakeLLM`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from typing import Iterator

from namel3ss_debug import (
    span,
    trace_chain_execution,
    trace_chain_step,
    trace_llm_call,
    trace_prompt_execution,
    trace_tool_call,
    trace_validation,
)
from namel3ss_debug.testing import FakeCompletion, FakeLLM

CHAIN = "support_ticket"
LATENCY_S = 0.003
REQUIRED_FIELDS = ("category", "priority", "summary")

TICKET = (
    "Hi, I was charged twice for my March subscription and my card is now over its limit. "
    "Can you refund the duplicate charge today? - Dana"
)

EXTRACT_TEMPLATE = (
    "Extract the ticket fields as JSON with the keys {fields}.\n"
    "Ticket:\n{ticket}"
)

EXTRACTED = json.dumps(
    {"category": "billing", "priority": "high", "summary": "Duplicate March charge; refund requested."}
)
REPLY = (
    "Hi Dana, sorry about the double charge. We have refunded the duplicate March payment; "
    "it will reach your card within 3-5 business days."
)

LLM = FakeLLM(
    {"Extract the ticket fields": EXTRACTED, "Draft a reply": REPLY},
    model="fake-gpt",
    latency_s=LATENCY_S,
)

# How many times the tool bodies really ran (a rerun answers tool calls without running them).
TOOL_RUNS = 0

KNOWLEDGE_BASE = {
    "billing": [
        "Duplicate charges are refunded in full to the original card.",
        "Refunds take 3-5 business days to appear.",
        "Agents may refund up to one month without approval.",
    ],
}

SUMMARIES = (
    "Duplicate March charge; refund requested.",
    "Charged twice for March; wants the duplicate refunded.",
    "Double-billed for the March subscription; asks for a refund today.",
)
APOLOGIES = (
    "sorry about the double charge",
    "apologies for charging you twice",
    "sorry for the duplicate charge",
)


def varying_llm(rng: random.Random, latency_s: float = LATENCY_S) -> FakeLLM:
    """A fake model that answers differently on every run, drawing its choices from ``rng``.

    The extracted JSON always has every required field and the ``billing`` category.
    """

    def respond(prompt: str) -> str:
        if "Extract the ticket fields" in prompt:
            return json.dumps({"category": "billing", "priority": rng.choice(("high", "urgent")),
                               "summary": rng.choice(SUMMARIES)})
        if "Draft a reply" in prompt:
            return (f"Hi Dana, {rng.choice(APOLOGIES)}. We have refunded the duplicate March payment "
                    f"(reference R-{rng.randint(10000, 99999)}); it will reach your card within "
                    f"{rng.choice(('2-4', '3-5', '5-7'))} business days.")
        return "I have no answer for that."

    return FakeLLM(responder=respond, model="fake-gpt", latency_s=latency_s)


@trace_llm_call(name="extractor", codec=FakeCompletion)
def call_extractor(prompt: str):
    return LLM.complete(prompt, temperature=0)


@trace_llm_call(name="replier", codec=FakeCompletion)
def call_replier(prompt: str):
    return LLM.complete(prompt, temperature=0.3)


@trace_prompt_execution(name="extract_ticket")
def extract_ticket(ticket: str) -> str:
    """Fill in the extraction template and return the model's raw answer."""
    prompt = EXTRACT_TEMPLATE.format(fields=", ".join(REQUIRED_FIELDS), ticket=ticket)
    return call_extractor(prompt).text


def validate_fields(raw: str) -> dict[str, str]:
    """Parse the model's JSON and check the required fields; record the outcome as a validation event."""
    errors: list[str] = []
    try:
        fields = json.loads(raw)
    except json.JSONDecodeError as exc:
        fields, errors = {}, [f"not JSON: {exc}"]
    errors += [f"missing field {name!r}" for name in REQUIRED_FIELDS if not fields.get(name)]
    trace_validation("ticket_fields", passed=not errors, errors=errors or None, inputs={"raw": raw})
    if errors:
        raise ValueError("; ".join(errors))
    return fields


@trace_tool_call(name="kb_stream")
def stream_articles(category: str) -> Iterator[str]:
    """Yield knowledge-base snippets one at a time, as a paginated API would."""
    global TOOL_RUNS
    TOOL_RUNS += 1
    for snippet in KNOWLEDGE_BASE.get(category, []):
        time.sleep(LATENCY_S / 3)
        yield snippet


def draft_reply(ticket: str, fields: dict[str, str], snippets: list[str]) -> str:
    with span("build_reply_prompt") as prompt_span:
        policy = "\n".join(f"- {snippet}" for snippet in snippets)
        prompt = f"Draft a reply to this {fields['category']} ticket.\nPolicy:\n{policy}\nTicket:\n{ticket}"
        prompt_span.set_attribute("snippets", len(snippets))
    return call_replier(prompt).text


@trace_chain_execution(name=CHAIN)
def handle_ticket(ticket: str) -> dict[str, object]:
    """Run the four steps and return the extracted fields with the drafted reply."""
    with trace_chain_step(CHAIN, "extract"):
        raw = extract_ticket(ticket)
    with trace_chain_step(CHAIN, "validate"):
        fields = validate_fields(raw)
    with trace_chain_step(CHAIN, "retrieve"):
        snippets = list(stream_articles(fields["category"]))
    with trace_chain_step(CHAIN, "reply"):
        reply = draft_reply(ticket, fields, snippets)
    return {**fields, "reply": reply}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="A support-ticket chain that runs offline.")
    parser.add_argument("--vary", action="store_true",
                        help="let the model answer differently on every run (seeded from the clock), "
                             "and print the real call counts at the end")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    global LLM
    args = parse_args(argv)
    if args.vary:
        LLM = varying_llm(random.Random(time.time_ns()))
    result = handle_ticket(TICKET)
    print(f"[{result['priority']}/{result['category']}] {result['summary']}")
    print(f"Reply: {result['reply']}")
    if args.vary:
        print(f"real calls: model={LLM.calls} tools={TOOL_RUNS}")


if __name__ == "__main__":
    main()
