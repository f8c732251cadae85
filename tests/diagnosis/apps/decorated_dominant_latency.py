"""Decorated: agent `drafter` makes three LLM calls; `draft` takes 2 s (it sleeps, standing in for a slow model),
the others next to nothing: one call is most of the run's time. Kind: dominant_latency."""

from __future__ import annotations

import time

from namel3ss_debug import trace_agent_execution, trace_llm_call


@trace_llm_call(name="outline")
def outline(topic: str) -> dict:
    return {"text": "1. intro 2. body", "model": "gpt-4o-mini", "usage": {"input_tokens": 50, "output_tokens": 10}}


@trace_llm_call(name="draft")
def draft(plan: str) -> dict:
    time.sleep(2.0)
    return {"text": "A draft.", "model": "gpt-4o-mini", "usage": {"input_tokens": 80, "output_tokens": 300}}


@trace_llm_call(name="polish")
def polish(text: str) -> dict:
    return {"text": "A polished draft.", "model": "gpt-4o-mini", "usage": {"input_tokens": 320, "output_tokens": 300}}


@trace_agent_execution(name="drafter")
def run() -> str:
    return polish(draft(outline("tides")["text"])["text"])["text"]


if __name__ == "__main__":
    print(run())
