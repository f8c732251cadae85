"""Which `ai` block an AI call belongs to, for its span's name (and so its mock key, `llm:NAME#N`).

A provider's `ask` is told the model and the prompts, not the `ai` block's name. The flow's span
knows the program's `ai` blocks and an agent's span knows its `ai`, so they say it here (in context
variables, so concurrent flows keep their own): inside an agent the call is its `ai`'s; elsewhere
(an `ask ai` statement) the one `ai` block with this model (and system prompt, if the model is
shared); failing that, the model's name.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

_profiles: ContextVar[dict[str, Any] | None] = ContextVar("namel3ss_debug_n3_profiles", default=None)
_agent_ai: ContextVar[str | None] = ContextVar("namel3ss_debug_n3_agent_ai", default=None)


@contextmanager
def flow_profiles(profiles: Any) -> Iterator[None]:
    """While a flow runs: its program's `ai` blocks, by name."""
    token = _profiles.set(profiles if isinstance(profiles, dict) else None)
    try:
        yield
    finally:
        _profiles.reset(token)


@contextmanager
def agent_ai(name: str | None) -> Iterator[None]:
    """While an agent runs: the name of its `ai` block."""
    token = _agent_ai.set(name)
    try:
        yield
    finally:
        _agent_ai.reset(token)


def ai_name(model: Any, system_prompt: Any) -> str:
    """The `ai` block's name for a call with this model and system prompt (else the model)."""
    agent = _agent_ai.get()
    if agent:
        return agent
    profiles = _profiles.get() or {}
    same_model = [name for name, decl in profiles.items() if getattr(decl, "model", None) == model]
    if len(same_model) > 1:
        same_model = [name for name in same_model if getattr(profiles[name], "system_prompt", None) == system_prompt]
    if len(same_model) == 1:
        return str(same_model[0])
    return str(model or "ai")
