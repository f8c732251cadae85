"""`verify --expect RULE`: a rule on a run's final output, the answer of its last LLM call that completed.

A rule is `KIND:VALUE`:

- `contains:TEXT`: the final output holds TEXT (as written: case and spaces count);
- `equals:TEXT`: the final output is TEXT, but for white space at either end;
- `matches:REGEX`: REGEX (RE2 syntax, run in linear time; `(?i)` for any case) is found in the final output.

The final output is that call's text; an answer without text (tool calls only, or JSON) is read as
`said.Said.shown` writes it. A run without a completed LLM call has no final output, and no rule holds on it.

>>> Expectation.parse("contains:sunny").holds("It is sunny in Lisbon.")
True
"""

from __future__ import annotations

from dataclasses import dataclass

from ..config.patterns import PatternRefused, compile_pattern
from ..model.errors import UsageError
from ..model.json_types import Foreign
from ..recording.timeline import END, Timeline
from .said import Said, canonical, said_by

KINDS = ("contains", "equals", "matches")
EXAMPLE = "--expect contains:sunny, --expect 'matches:(?i)\\b24 C\\b'"


@dataclass(frozen=True)
class Expectation:
    """One rule: its kind, its value, and (for `matches`) the compiled pattern."""

    kind: str
    value: str
    pattern: Foreign = None  # RE2's compiled pattern, for `matches`

    @property
    def text(self) -> str:
        return f"{self.kind}:{self.value}"

    @classmethod
    def parse(cls, text: str) -> Expectation:
        """The rule `text` names; UsageError (exit 2) for one that names no kind or an invalid pattern."""
        kind, colon, value = text.partition(":")
        if not colon or kind not in KINDS:
            raise UsageError(f"--expect {text!r} is not a rule: it starts with one of {', '.join(KINDS)} and a colon",
                             hint=f"e.g. {EXAMPLE}")
        if kind != "matches":
            return cls(kind, value)
        try:
            return cls(kind, value, compile_pattern(value))
        except PatternRefused as refused:
            raise UsageError(f"--expect {text!r}: the pattern cannot be run ({refused})",
                             hint="RE2 runs in linear time: no look-arounds or backreferences") from None

    def holds(self, output: str | None) -> bool:
        if output is None:
            return False
        if self.kind == "contains":
            return self.value in output
        if self.kind == "equals":
            return output.strip() == self.value.strip()
        return self.pattern.search(output) is not None


def final_output(timeline: Timeline) -> str | None:
    """The answer of the run's last LLM call that completed, as text; None when it has none."""
    for index in range(len(timeline) - 1, -1, -1):
        if timeline.kind[index] == END and timeline.component(index) == "llm" \
                and timeline.status(index) == "completed":
            return as_text(said_by(timeline.event(index)))
    return None


def as_text(said: Said) -> str:
    """An answer as the rule reads it: its text, else its JSON or the tools it asked for."""
    if said.text is not None:
        return said.text
    if said.data is not None and not said.tools:
        return canonical(said.data)
    return said.shown()
