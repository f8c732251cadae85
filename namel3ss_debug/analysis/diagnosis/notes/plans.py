"""The plans a run's models wrote, and the steps of them no call carried out, for the rule `plan_step_skipped`
(`rules/plans.py`).

- **A plan**: an LLM answer whose text (its first `PLAN_CHARS` characters) has a plan's words (`PLAN_WORDS`: "plan",
  "steps", "I will", "I'll", "next", "first", "then", "going to", ...) and a list of at least two items (`ITEM`: lines
  that open with `1.`, `1)`, `-`, `*`, `•` or `Step 1:`). An agent's next plan replaces its last (it planned again):
  one plan is kept an agent (the agent whose turn it is, else the agent execution), at most `MAX_PLANNERS` of them.
- **A step that names a tool**: an item that writes a tool's name (or the part after its last dot: `create_file`
  of `Editor.create_file`) as a word, a name of one word only as code (`` `search` ``, `search(`): the tool is named
  *exactly*; or, for a name of two words or more, an item that holds its words in their order ("Create the file
  solution.py" for `create_file`; words as `words.py` splits them). The tools known are those the run's requests
  offered and those it called.
- **Carried out**: a call of a tool the step names started after the plan's answer. A step whose tool was called
  before the plan too is left out: the item may tell what was done.

A step is *skipped* when its agent went on after the plan (an LLM call of its after the plan's answer) and no call
carried it out by the run's end. Tool calls are noted whatever `--component` and the time filters keep.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterable, Optional

from .words import words

if TYPE_CHECKING:
    from .steps import Step

PLAN_CHARS = 4_000  # an answer's characters read for a plan
PLAN_WORDS = re.compile(r"\b(?:plan|steps?|I will|I'll|we will|we'll|let me|let's|next|first|then|going to|"
                        r"to do)\b", re.IGNORECASE)
ITEM = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|[-*\u2022]|step \d{1,2}:)[ \t]+(\S.*)$", re.IGNORECASE | re.MULTILINE)
# a second item's start, looked for first: most answers hold no list
LISTED = re.compile(r"\n[ \t]*(?:\d{1,2}[.)]|[-*\u2022]|step \d)[ \t]", re.IGNORECASE)
MAX_ITEMS = 12  # a plan's items kept
ITEM_CHARS = 200  # an item's characters kept
MAX_PLANNERS = 32  # agents whose last plan is kept
MAX_TOOLS = 1_024  # tool names known of a run (offered or called); a name past them is not matched


class Plan:
    """An agent's last plan: the answer that wrote it, its items, and the agent's last LLM call after it."""

    __slots__ = ("step", "items", "last")

    def __init__(self, step: Step, items: tuple[str, ...]):
        self.step, self.items = step, items
        self.last: Optional[Step] = None


class Skipped:
    """A plan's step no call carried out: the plan, the item (its number from 1), the tool it names, whether by
    name (`exact`) or by its words."""

    __slots__ = ("plan", "number", "item", "tool", "exact")

    def __init__(self, plan: Plan, number: int, item: str, tool: str, exact: bool):
        self.plan, self.number, self.item, self.tool, self.exact = plan, number, item, tool, exact


class Plans:
    """A run's plans (agent -> its last plan) and its tools: each name offered or called, with the seqs of its
    first and last call (-1 when only offered)."""

    __slots__ = ("plans", "calls")

    def __init__(self) -> None:
        self.plans: dict[str, Plan] = {}
        self.calls: dict[str, tuple[int, int]] = {}

    def offered(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.calls and len(self.calls) < MAX_TOOLS:
                self.calls[name] = (-1, -1)

    def called(self, name: str, seq: int) -> None:
        known = self.calls.get(name)
        if known is not None and known[0] >= 0:
            self.calls[name] = (known[0], seq)
        elif known is not None or len(self.calls) < MAX_TOOLS:
            self.calls[name] = (seq, seq)

    def answered(self, step: Step, text: Optional[str]) -> None:
        """An LLM call's end with its answer's text: the agent's last call after its plan, and a plan of its own."""
        agent = step.turn or step.agent
        plan = self.plans.get(agent)
        if plan is not None and step.seq > plan.step.seq:
            plan.last = step
        items = plan_items(text) if text else ()
        if items and (plan is not None or len(self.plans) < MAX_PLANNERS):
            self.plans[agent] = Plan(step, items)

    def skipped(self) -> list[Skipped]:
        """The steps of the plans no call carried out, by the plans' order, then the items'."""
        found: list[Skipped] = []
        for plan in sorted(self.plans.values(), key=lambda plan: plan.step.seq):
            if plan.last is None:
                continue
            for number, item in enumerate(plan.items, 1):
                named = tools_named(item, self.calls)
                if named and not any(self._touched(tool, plan.step.seq) for tool, _ in named):
                    tool, exact = named[0]
                    found.append(Skipped(plan, number, item, tool, exact))
        return found

    def _touched(self, tool: str, seq: int) -> bool:
        """Whether a call of `tool` started before or after the plan's answer (at `seq`)."""
        first, last = self.calls[tool]
        return first >= 0 and (first < seq or last > seq)


def plan_items(text: str) -> tuple[str, ...]:
    """The items of the plan `text` writes (at least two, each cut), else ().

    >>> plan_items("Here is my plan:\\n1. Look the order up with get_order.\\n2. Refund it with issue_refund.")
    ('Look the order up with get_order.', 'Refund it with issue_refund.')
    >>> plan_items("The weather in Paris is 21C.")
    ()
    """
    if not LISTED.search(text, 0, PLAN_CHARS):  # most answers hold no list: the cheap test first
        return ()
    head = text[:PLAN_CHARS]
    items = [found.group(1).strip()[:ITEM_CHARS] for found in ITEM.finditer(head)]
    return tuple(items[:MAX_ITEMS]) if len(items) >= 2 and PLAN_WORDS.search(head) else ()


def tools_named(item: str, tools: Iterable[str]) -> list[tuple[str, bool]]:
    """The tools an item names, exactly first, each with whether it is named exactly.

    >>> tools_named("Create the file solution.py", ["Editor.create_file", "Editor.write"])
    [('Editor.create_file', False)]
    >>> tools_named("Call `search` for flights, then book_flight", ["search", "book_flight", "get_order"])
    [('search', True), ('book_flight', True)]
    """
    said = words(item)
    exact: list[tuple[str, bool]] = []
    loose: list[tuple[str, bool]] = []
    for tool in tools:
        short = tool.rsplit(".", 1)[-1]
        named = words(short)
        if not named:
            continue
        if _written(item, short, several=len(named) > 1):
            exact.append((tool, True))
        elif len(named) > 1 and _in_order(named, said):
            loose.append((tool, False))
    return exact + loose


def _written(item: str, name: str, several: bool) -> bool:
    """Whether the item writes `name` as a word (a name of one word only as code)."""
    escaped = re.escape(name)
    if several:
        return re.search(rf"(?<![\w.]){escaped}(?!\w)", item, re.IGNORECASE) is not None
    return re.search(rf"`{escaped}`|(?<![\w.]){escaped}\(", item, re.IGNORECASE) is not None


def _in_order(named: list[str], said: list[str]) -> bool:
    """Whether the words `named` appear in `said` in their order (others between them)."""
    remaining = iter(said)
    return all(word in remaining for word in named)
