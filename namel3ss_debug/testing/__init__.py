"""Helpers for tests of traced applications: a deterministic fake LLM, in-memory capture, and the assertions
the `n3trace` pytest fixture hands a test."""

from .capture import CapturedRun, capture_events
from .fake_llm import FakeCompletion, FakeLLM, FakeLLMExhausted
from .trace_assertions import Call, TraceAssertions

__all__ = ["Call", "CapturedRun", "FakeCompletion", "FakeLLM", "FakeLLMExhausted", "TraceAssertions", "capture_events"]
