"""A support-ticket chain: extract fields with an LLM, validate them, stream help articles, summarize.

Steps (each a ``chain_step`` span of the ``support_ticket`` chain):

1. ``extract``  - a prompt template is filled in and sent to the model, which answers in JSON
2. ``validate`` - the JSON is parsed and its required fields checked (a ``validation`` event)
3. ``retrieve`` - a generator tool streams knowledge-base snippets for the ticket's category
4. ``reply``    - a second LLM call drafts the reply to the customer

    python examples/chain_app.py
    namel3ss-debug trace examples/chain_app.py

Runs offline: the model is a scripted `FakeLLM`.
"""

from __future__ import annotations

import json
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
from namel3ss_debug.testing import FakeLLM

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

KNOWLEDGE_BASE = {
    "billing": [
        "Duplicate charges are refunded in full to the original card.",
        "Refunds take 3-5 business days to appear.",
        "Agents may refund up to one month without approval.",
    ],
}


@trace_llm_call(name="extractor")
def call_extractor(prompt: str):
    return LLM.complete(prompt, temperature=0)


@trace_llm_call(name="replier")
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


def main() -> None:
    result = handle_ticket(TICKET)
    print(f"[{result['priority']}/{result['category']}] {result['summary']}")
    print(f"Reply: {result['reply']}")


if __name__ == "__main__":
    main()
