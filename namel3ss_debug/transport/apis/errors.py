"""The message of an LLM API's error body, in the shapes the vendors use:
OpenAI and OpenAI-compatible servers `{"error": {"message": ...}}`, Anthropic
`{"type": "error", "error": {"type": ..., "message": ...}}`, Gemini `{"error": {"code", "message", "status"}}`
(a streamed call's error arrives as a one-item array), Ollama `{"error": "..."}`, vLLM-like
`{"object": "error", "message": ...}` and FastAPI-like `{"detail": "..."}`."""

from __future__ import annotations

from typing import Any

from .values import field, text

_LONGEST = 2000  # a plain-text error page (a proxy's HTML) is cut: the message is for reading


def error_message(body: Any) -> str | None:
    """The error's message, or None when the body carries none.

    >>> error_message({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    'Overloaded'
    """
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, str):
        return body.strip()[:_LONGEST] or None
    error = field(body, "error")
    for found in (field(error, "message"), error, field(body, "message"), field(body, "detail")):
        message = text(found)
        if message:
            return message
    return None
