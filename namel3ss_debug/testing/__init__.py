"""Helpers for tests of traced applications: a deterministic fake LLM and in-memory capture."""

from .capture import CapturedRun, capture_events
from .fake_llm import FakeCompletion, FakeLLM, FakeLLMExhausted

__all__ = ["CapturedRun", "FakeCompletion", "FakeLLM", "FakeLLMExhausted", "capture_events"]
