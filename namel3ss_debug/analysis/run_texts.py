"""A run's question and answer, as the run index lists them (`runs`, `view DIR`).

- The question (`input`): the first user message of the run's first LLM call, its request read as
  `otel/genai.input_messages` reads one (a chat's or Anthropic's `messages`, a Responses `input`, Gemini's
  `contents`, a decorated call's `prompt`), else a decorated call's text argument named as in `ASKED_AS`
  (`plan(question="...")`); when that call holds neither, or the run made no LLM call, the app's arguments
  (`run_start`'s argv after the script).
- The answer (`output`): the diagnosis's final text (`RunClues.final_text`: the last LLM answer's text, else what
  the run returned), not read a second way.

Pure: raw inputs or a finished tally in, texts out. `said_of` keeps each text whole up to `KEPT_CHARS`, so that
the index redacts it before `one_line` cuts it (a secret is never cut in half first, then missed).

>>> question_in(b'{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Paris?"}]}')
'Paris?'
>>> one_line("Is it warm\\n  in Paris?")
'Is it warm in Paris?'
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

import msgspec

from ..otel.genai import input_messages

if TYPE_CHECKING:  # the tally is only handed in
    from .tally import Tally

KEPT_CHARS = 1_000  # a text kept before redaction: far past LINE_CHARS, so no secret shown is cut before it
LINE_CHARS = 200  # a text as the index stores it: one line of at most this many characters
NO_QUESTION = ""  # `RunState.question` of a run whose first LLM call holds no user message
ASKED_AS = ("question", "query", "message", "task", "text")  # a decorated LLM call's argument that is its question


class RunTexts(NamedTuple):
    """A run's question and answer, whole (up to KEPT_CHARS); None where the run has none."""

    input: Optional[str]
    output: Optional[str]


UNSAID = RunTexts(None, None)


def question_in(inputs: bytes | memoryview) -> str:
    """The first user message's text in an LLM call's recorded inputs (its text parts joined by a space), else
    its first argument of ASKED_AS that is text; NO_QUESTION when the inputs hold neither, or are not JSON."""
    try:
        request = msgspec.json.decode(inputs) if len(inputs) else None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return NO_QUESTION
    if not isinstance(request, Mapping):
        return NO_QUESTION
    asked = _user_message(request) or next(
        (said for said in map(request.get, ASKED_AS) if isinstance(said, str) and said.strip()), NO_QUESTION)
    return asked[:KEPT_CHARS]


def _user_message(request: Mapping[str, Any]) -> str:
    """The first user message's text parts, joined by a space; NO_QUESTION for none."""
    try:
        messages = input_messages(request)
    except (TypeError, AttributeError, ValueError):  # a field of another type than its API's (`tool_calls: 5`)
        return NO_QUESTION
    for message in messages or ():
        if message.get("role") == "user":
            texts = [part["content"] for part in message["parts"]
                     if part.get("type") == "text" and isinstance(part.get("content"), str)]
            said = " ".join(text for text in texts if text.strip())
            if said:
                return said
    return NO_QUESTION


def arguments_of(start_attrs: Mapping[str, Any] | None) -> Optional[str]:
    """The app's arguments (`run_start`'s argv after the script) as a shell would read them; None for none."""
    argv = start_attrs.get("argv") if start_attrs is not None else None
    if not isinstance(argv, list) or not all(isinstance(arg, str) for arg in argv) or len(argv) < 2:
        return None
    return shlex.join(argv[1:])[:KEPT_CHARS]


def said_of(tally: Tally) -> RunTexts:
    """The question and answer of the tally's first run (the index reads one run a tally)."""
    if not tally.runs:
        return UNSAID
    run = tally.runs[0]
    question = run.question or arguments_of(run.start_attrs)
    clues = tally.clues.runs if tally.clues is not None else []
    answer = clues[0].final_text if clues else None
    return RunTexts(question, answer[:KEPT_CHARS] if answer else None)


def one_line(text: Optional[str], limit: int = LINE_CHARS) -> Optional[str]:
    """`text` on one line (every run of whitespace, newlines included, one space) and at most `limit` characters,
    the last of a cut one an ellipsis; None for no text or only whitespace."""
    if text is None:
        return None
    joined = " ".join(text.split())
    if not joined:
        return None
    return joined if len(joined) <= limit else joined[:limit - 1].rstrip() + "…"
