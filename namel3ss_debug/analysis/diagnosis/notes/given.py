"""What a run was given, as text: its task and its user's words, which no step of the run introduced. The blame's
rule 4 leaves a term of the final answer out when the run was given it (a year the question names is not the
model's invention), wherever the task was recorded:

- the outermost agent execution's inputs (`trace_agent_execution(name, task=...)`, a framework's agent input);
- what the user said: the output of an agent turn of the user (`blame/chain.USERS`), whole, not cut to
  `steps.TEXT_CHARS` as a step's text is (the question often comes after a long instruction);
- the run's first LLM request, every message of it (system prompt and user message): in a run recorded at the
  HTTP client only, the task is there and nowhere else.

At most `GIVEN_CHARS` characters are kept of a run; what comes after is not read.

The run's *input* is what it was given up to and with its first LLM request (`input_chars`): the outermost agent's
inputs that came before it, and that request. An agent that begins later with no agent above it (a pipeline's
second stage, `worker(plan)`) is handed what the run made, not what it was given: rule 1 of the blame blames the
input for a value only when the input held it (`holds_input`).
"""

from __future__ import annotations

from typing import Optional

import msgspec

from .provenance import holds

GIVEN_CHARS = 32_768  # characters kept of what a run was given


class Given(msgspec.Struct, gc=False):
    """The texts a run was given, joined, up to GIVEN_CHARS."""

    text: str = ""
    asked: bool = False  # the run's first LLM request has been read
    input_chars: int = 0  # the characters of `text` up to and with the first LLM request's: the run's input

    @property
    def full(self) -> bool:
        """Whether no more text is kept: a caller need not decode what it would add."""
        return len(self.text) >= GIVEN_CHARS - 1

    def add(self, text: Optional[str]) -> None:
        if not text:
            return
        text = text[:max(GIVEN_CHARS - len(self.text) - 1, 0)]
        if text:
            self.text += text + "\n"

    def ask(self, text: Optional[str]) -> None:
        """The run's first LLM request, its messages' texts."""
        self.asked = True
        self.add(text)
        self.input_chars = len(self.text)

    def holds(self, term: str) -> bool:
        """Whether the run was given `term` (as `provenance.holds` matches: case and white space aside)."""
        return bool(self.text) and holds(self.text, term)

    def holds_input(self, term: str) -> bool:
        """Whether the run's input held `term`: what it was given up to its first LLM request (all of it before)."""
        said = self.text[:self.input_chars] if self.asked else self.text
        return bool(said) and holds(said, term)
