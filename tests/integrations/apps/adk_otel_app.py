"""apps/adk_app.py with OpenTelemetry on: an SDK tracer provider set globally before ADK runs, so that ADK's own
spans (`invoke_workflow`, `invoke_agent`, `generate_content`, `execute_tool`) are recorded beside its hook's.
With MORE_QUESTION set, it is asked after the app's two questions (a rerun that asks one more than recorded)."""

from __future__ import annotations

import asyncio
import os

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

trace.set_tracer_provider(TracerProvider())

import adk_app  # noqa: E402 - after the provider: ADK takes its tracer from it

if os.environ.get("MORE_QUESTION"):
    adk_app.QUESTIONS = (*adk_app.QUESTIONS, os.environ["MORE_QUESTION"])

if __name__ == "__main__":
    asyncio.run(adk_app.main())
