"""A deterministic fake LLM for offline examples and tests.

Stdlib only: applications import it, so it must not pull in the CLI's dependencies.

    >>> llm = FakeLLM(["plan: search", "done"])
    >>> llm.complete("What should I do?").text
    'plan: search'
    >>> llm.complete("And now?").usage["output_tokens"]
    2
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from dataclasses import KW_ONLY, asdict, dataclass, field
from typing import Any, Callable, Mapping, Sequence, Union

Prompt = Union[str, Sequence[Mapping[str, Any]]]

DEFAULT_REPLY = "I am a fake LLM and have no scripted reply for this prompt."

__all__ = ["FakeCompletion", "FakeLLM", "FakeLLMExhausted", "count_tokens", "prompt_text"]


class FakeLLMExhausted(RuntimeError):
    """Raised when a FakeLLM with a scripted list of replies is asked for more replies than it has."""


@dataclass(frozen=True)
class FakeCompletion:
    """What `FakeLLM.complete` returns; `model` and `usage` are the names the tracer looks for."""

    text: str
    model: str
    usage: dict[str, int] = field(default_factory=dict)
    finish_reason: str = "stop"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def prompt_text(prompt: Prompt) -> str:
    """The text of a prompt: the string itself, or the message contents joined by newlines."""
    if isinstance(prompt, str):
        return prompt
    return "\n".join(str(message.get("content", "")) for message in prompt)


def count_tokens(text: str) -> int:
    """A deterministic token estimate: words / 0.75, rounded up (about 4 tokens per 3 words)."""
    return math.ceil(len(text.split()) / 0.75)


@dataclass(eq=False, repr=False)  # an app may hand it to a traced call, which records its repr
class FakeLLM:
    """A fake model answering from a script, a prompt-substring table, or a callable.

    - ``replies`` as a list: replies returned in order; when exhausted, `FakeLLMExhausted` is raised,
      or the list starts over if ``cycle=True``.
    - ``replies`` as a dict: the first key that is a substring of the prompt picks the reply,
      else the ``responder`` if given, else ``default``.
    - ``responder``: a callable ``prompt_text -> str`` (message lists are joined first, see
      `prompt_text`), used when ``replies`` is None or no dict key matched.

    ``latency_s`` simulates the model's latency (``time.sleep`` / ``asyncio.sleep``). ``seed`` is
    accepted for API compatibility with real clients and recorded, but the fake is deterministic anyway.
    """

    replies: Sequence[str] | Mapping[str, str] | None = None
    _: KW_ONLY
    model: str = "fake-gpt"
    latency_s: float = 0.0
    responder: Callable[[str], str] | None = None
    seed: int | None = None
    cycle: bool = False
    default: str = DEFAULT_REPLY

    def __post_init__(self) -> None:
        replies = self.replies
        if isinstance(replies, str):
            raise TypeError("replies must be a list of strings or a dict, not a single string")
        if self.latency_s < 0:
            raise ValueError(f"latency_s must be >= 0, got {self.latency_s!r}")
        self._table: dict[str, str] | None = dict(replies) if isinstance(replies, Mapping) else None
        self._script: list[str] | None = (
            list(replies) if replies is not None and self._table is None else None
        )
        self._lock = threading.Lock()
        self._calls = 0
        self._history: list[Prompt] = []

    @property
    def calls(self) -> int:
        """How many completions were requested, including ones that raised `FakeLLMExhausted`."""
        with self._lock:
            return self._calls

    @property
    def history(self) -> list[Prompt]:
        """The prompts received, in call order (a copy)."""
        with self._lock:
            return list(self._history)

    def complete(self, prompt: Prompt, **params: Any) -> FakeCompletion:
        """Answer ``prompt`` after the simulated latency. Extra ``params`` are accepted and ignored."""
        completion = self._completion(prompt, self._record(prompt))
        if self.latency_s:
            time.sleep(self.latency_s)
        return completion

    async def acomplete(self, prompt: Prompt, **params: Any) -> FakeCompletion:
        """The async form of `complete`; the latency is an ``asyncio.sleep``."""
        completion = self._completion(prompt, self._record(prompt))
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        return completion

    def _record(self, prompt: Prompt) -> int:
        # The index is taken under the lock so concurrent callers each get their own scripted reply.
        with self._lock:
            index = self._calls
            self._calls += 1
            self._history.append(prompt)
            return index

    def _completion(self, prompt: Prompt, index: int) -> FakeCompletion:
        text_in = prompt_text(prompt)
        text_out = self._reply(text_in, index)
        input_tokens, output_tokens = count_tokens(text_in), count_tokens(text_out)
        usage = {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "total_tokens": input_tokens + output_tokens,
        }
        return FakeCompletion(text=text_out, model=self.model, usage=usage)

    def _reply(self, text: str, index: int) -> str:
        if self._script is not None:
            return self._scripted(index)
        if self._table is not None:
            match = next((reply for key, reply in self._table.items() if key in text), None)
            if match is not None:
                return match
        if self.responder is not None:
            return str(self.responder(text))
        return self.default

    def _scripted(self, index: int) -> str:
        script = self._script or []
        if self.cycle and script:
            return script[index % len(script)]
        if index >= len(script):
            raise FakeLLMExhausted(
                f"FakeLLM({self.model!r}) has {len(script)} scripted replies but was called "
                f"{index + 1} times; add replies or pass cycle=True"
            )
        return script[index]
