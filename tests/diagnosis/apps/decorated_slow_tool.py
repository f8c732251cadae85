"""Decorated: agent `reporter` asks an LLM for a report, then `render_pdf` takes 1.5 s (it sleeps), most of the
run's critical path. Kind: slow_tool_on_critical_path."""

from __future__ import annotations

import time

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call


@trace_llm_call(name="write_report")
def write_report(topic: str) -> dict:
    return {"text": "Sales grew.", "model": "gpt-4o-mini", "usage": {"input_tokens": 60, "output_tokens": 30}}


@trace_tool_call
def render_pdf(text: str) -> str:
    time.sleep(1.5)
    return "report.pdf"


@trace_agent_execution(name="reporter")
def run() -> str:
    return render_pdf(write_report("sales")["text"])


if __name__ == "__main__":
    print(run())
