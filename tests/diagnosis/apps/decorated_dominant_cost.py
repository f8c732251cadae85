"""Decorated: agent `summarizer` makes two small gpt-4o-mini calls and one gpt-4o call with 40,000 prompt tokens,
which is almost all of the run's cost. Kind: dominant_cost."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call


@trace_llm_call(name="classify")
def classify(text: str) -> dict:
    return {"text": "report", "model": "gpt-4o-mini", "usage": {"input_tokens": 300, "output_tokens": 5}}


@trace_llm_call(name="summarize")
def summarize(text: str) -> dict:
    return {"text": "The report says revenue grew.", "model": "gpt-4o",
            "usage": {"input_tokens": 40_000, "output_tokens": 800}}


@trace_llm_call(name="title")
def title(text: str) -> dict:
    return {"text": "Revenue grew", "model": "gpt-4o-mini", "usage": {"input_tokens": 200, "output_tokens": 6}}


@trace_agent_execution(name="summarizer")
def run() -> str:
    document = "Quarterly report. " * 20
    classify(document)
    summary = summarize(document)["text"]
    return title(summary)["text"]


if __name__ == "__main__":
    print(run())
