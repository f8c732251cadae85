"""A request's messages, by role, in any API's shape: the request itself (a wire span's inputs may hold it under
`body`), its message lists (chat and Anthropic `messages`, Responses `input`, Gemini `contents`) and a message's
text (a string, or its parts' `text`: a tool result's part holds none). Read by the offered tools
(`payloads.tools_in`), the instruction to ask before acting (`consent.py`) and the speakers (`speakers.py`).

It imports nothing of the diagnosis, so the steps' own modules may use it.
"""

from __future__ import annotations

from typing import Any, Optional

MESSAGE_LISTS = ("messages", "input", "contents")
SYSTEM_KEYS = ("system", "instructions", "systemInstruction", "system_instruction")
REQUEST_KEYS = ("tools", "functions", *MESSAGE_LISTS, *SYSTEM_KEYS)  # a dict with one of these is a request


def request_of(decoded: Any) -> Optional[dict[str, Any]]:
    """The request a call's decoded inputs hold: themselves, or the request under their `body`; None when they
    are no object."""
    if isinstance(decoded, dict) and not any(key in decoded for key in REQUEST_KEYS) \
            and isinstance(decoded.get("body"), dict):
        decoded = decoded["body"]
    return decoded if isinstance(decoded, dict) else None


def texts(value: Any) -> list[str]:
    """A message's (or its content's) texts: a string, or its parts' `text`; a part with no text gives none.

    >>> texts([{"type": "text", "text": "Hi"}, {"type": "tool_result", "content": "42"}])
    ['Hi']
    """
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return texts(value.get("parts")) if "parts" in value else \
            [value["text"]] if isinstance(value.get("text"), str) else []
    if isinstance(value, list):
        return [said for part in value for said in texts(part)]
    return []
