"""google-genai's automatic function calling (AFC): the Python functions the SDK calls for the model as
`tool` spans, answered by a rerun, under an `agent` span for the call that ran the loop.

Tools. The SDK has no public hook around the functions it calls (no callback, no tool class of its own:
the app hands over plain functions), and a rerun must answer them without running their bodies. Every
AFC loop it has (`Models.generate_content`, `generate_content_stream`, `Chat.send_message`,
`send_message_stream`, and the async twins) hands the model's answer and the map of functions to one
function of its private module `google.genai._extra_utils`, `get_function_response_parts` (async:
`get_function_response_parts_async`), which calls them: that is the seam, wrapped by
`google_genai/functions.py`. Being private, it may move: a google-genai without it is one warning
naming it, and the functions run unrecorded (their LLM calls are still recorded, and the tool calls are
still paired from the wire).

Agents. The public methods that run a whole AFC loop and return its answer, `Models.generate_content`
and `Chat.send_message` (and their async twins), open an `agent` span when the call runs AFC
(`google_genai/agent.py`). The streamed loops get no agent span: a generator's span would stay open
across the app's own code between chunks; their functions are `tool` spans all the same.
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType
from typing import Any, Callable

from .agent import generate_content_asked, send_message_asked, with_agent_span, with_agent_span_async
from .functions import MARK, recording_parts, recording_parts_async

# (module, attribute, wrapper): the functions that call the app's functions
FUNCTION_SEAMS = (("_extra_utils", "get_function_response_parts", recording_parts),
                  ("_extra_utils", "get_function_response_parts_async", recording_parts_async))
# (module, class, method, wrapper, what the call asks, span name)
AGENT_SEAMS = (("models", "Models", "generate_content", with_agent_span, generate_content_asked),
               ("models", "AsyncModels", "generate_content", with_agent_span_async, generate_content_asked),
               ("chats", "Chat", "send_message", with_agent_span, send_message_asked),
               ("chats", "AsyncChat", "send_message", with_agent_span_async, send_message_asked))


def install(module: ModuleType) -> list[str]:
    """Hook `google.genai` (imported by the app already); the hook points this version lacks."""
    missing = []
    for submodule, name, wrap in FUNCTION_SEAMS:
        owner = _submodule(module, submodule)
        if not _wrap(owner, name, wrap):
            missing.append(f"{submodule}.{name}")
    for submodule, class_name, name, wrap_method, asked in AGENT_SEAMS:
        owner = getattr(_submodule(module, submodule), class_name, None)
        if not _wrap(owner, name, functools.partial(_agent_method, wrap_method, name, asked)):
            missing.append(f"{class_name}.{name}")
    return missing


def _agent_method(wrap: Callable[..., Any], name: str, asked: Any, original: Any) -> Any:
    return wrap(original, name, asked)


def _submodule(module: ModuleType, name: str) -> Any:
    try:
        return importlib.import_module(f"{module.__name__}.{name}")
    except ImportError:  # a version without it: its hook points are named as missing
        return None


def _wrap(owner: Any, name: str, wrap: Callable[[Any], Any]) -> bool:
    """Replace `owner.name` with `wrap(owner.name)`, once; False when there is no such function."""
    original = getattr(owner, name, None) if owner is not None else None
    if not callable(original):
        return False
    if not getattr(original, MARK, False):
        setattr(owner, name, wrap(original))
    return True


__all__ = ["install"]
