"""The family `loops`'s third rule, `no_progress` (an agent rule): the step after which an agent, or a conversation
of agent turns under one system span, stopped making progress, saying again what it had said before.

What an agent says (an utterance): an agent turn's output (`Step.text` of an `agent_turn` step); an LLM answer's
text, unless the answer ran inside a turn whose output was recorded (the turn's output is then what was said, and
the answer inside it the same words once more). Compared normalised: case folded, runs of white space made one
space, surrounding white space and punctuation dropped. An utterance of fewer than `MIN_WORDS` words ("OK",
"Done.", "TERMINATE", "Please continue.") and an answer that only asked for tools (no text) say nothing by
themselves: they neither count as a repeat nor as progress.

The rule, over the agent's steps in the order they ended: `thresholds.loop_repeats` (`diagnose_loop_repeats`,
default 3) or more utterances in a row that each repeat an utterance made earlier in the agent, and no new tool
result in between (a tool result is new when no earlier tool call of the agent gave the same result, by
`loops.answer_of`, with the same error message: a polling tool whose results change is progress; a result seen
before is not). A new utterance ends the row. Unlike `call_loop`, the calls' inputs may differ (the history grows
each turn). Nothing is said where `call_loop` fires in the agent over steps the row spans, or `handoff_loop` fires
over them (one loop, one finding).

The decisive step (the finding's first evidence, which the blame reads): the last new utterance before the row's
first repeat, the last step that made progress; then the repeats, each naming the step it repeats. `warning`;
confidence by how exact the repeats are: `high` when every repeat is its original as written (surrounding white
space aside), `medium` when some are equal only once normalised, `low` when a repeat or its original was longer
than the `steps.TEXT_CHARS` characters kept (equal as far as they were kept: what followed may differ).
Figures: `repeats` (the row's length), `said_before` (the distinct earlier utterances it repeats). The finding's
agent is the agent execution's, as every agent rule's (`clues.py` names it after the one agent whose turns its
evidence shows, when there is one); its title names the decisive step's agent.
"""

from __future__ import annotations

import re
from typing import Hashable, Iterable, Optional, Sequence

from ...thresholds import SETTINGS, Judging
from . import AgentRule, RunFigures, RunRule
from ..notes.provenance import normal
from ...records.findings import Evidence, Finding
from ..notes.steps import TEXT_CHARS, AgentSteps, RunClues, Step
from .evidence import agent_name, capped, ended_at, evidence
from .loops import answer_of, call_loop, handoff_loop

MIN_WORDS = 4  # an utterance shorter than this ("OK", "Done.", "TERMINATE") says nothing by itself
WORD = re.compile(r"\w+")
EDGES = " \t\n.,;:!?\"'`*-_()[]"


def no_progress(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """`loop_repeats` or more utterances in a row, each repeating an earlier one, with no new tool result."""
    repeats = judging.thresholds.loop_repeats
    spoken = sum(1 for step in agent.steps if step.text and (step.component == "llm" or step.kind == "agent_turn"))
    if spoken <= repeats:
        return  # a row is `repeats` utterances repeating one said before it: fewer steps say nothing, cheaply
    utterances = {step.seq: text for step in agent.steps if (text := _utterance(step)) is not None}
    if len(utterances) - len(set(utterances.values())) < repeats:
        return  # fewer utterances than a row's that say again what another said, in whatever order they ended
    for row, decisive in _rows(agent.steps, repeats, utterances):
        if not _covered(row, decisive, agent, run, judging):
            yield _no_progress(row, decisive, agent, run, repeats)


Row = list[tuple[Step, Step]]  # each repeat, with the earlier utterance it repeats


def _rows(steps: Sequence[Step], repeats: int, utterances: dict[int, str]) -> list[tuple[Row, Step]]:
    """Each maximal row of `repeats` or more repeated utterances with no news between, with the last new
    utterance before it (the decisive step). `utterances`: each step's by its seq (`_utterance`)."""
    said: dict[str, Step] = {}
    results: set[Hashable] = set()
    rows: list[tuple[Row, Step]] = []
    row: Row = []
    last_new: Optional[Step] = None
    voiced = _voiced(steps)
    for step in sorted(steps, key=ended_at):
        if step.component == "tool" and step.status in ("completed", "failed"):
            fact = (step.name, answer_of(step), step.error_message)
            if fact not in results:
                results.add(fact)
                row = _closed(row, last_new, rows, repeats)
            continue
        text = None if step.seq in voiced else utterances.get(step.seq)
        if text is None:
            continue
        original = said.get(text)
        if original is None:
            said[text] = step
            row = _closed(row, last_new, rows, repeats)
            last_new = step
        else:
            row.append((step, original))
    _closed(row, last_new, rows, repeats)
    return rows


def _closed(row: Row, decisive: Optional[Step], rows: list[tuple[Row, Step]], repeats: int) -> Row:
    """Keep `row` when it is long enough (with its decisive step); an empty row to start again."""
    if len(row) >= repeats and decisive is not None:
        rows.append((row, decisive))
    return []


def _utterance(step: Step) -> Optional[str]:
    """What an agent turn or an LLM answer said, normalised; None for a step that said nothing by itself."""
    if step.status != "completed" or not step.text or (step.kind != "agent_turn" and step.component != "llm"):
        return None
    text = normal(step.text).strip(EDGES)
    return text if _words_at_least(text, MIN_WORDS) else None


def _words_at_least(text: str, count: int) -> bool:
    """Whether `text` holds `count` words or more (read no further than the last of them)."""
    for found, _ in enumerate(WORD.finditer(text), 1):
        if found >= count:
            return True
    return False


def _voiced(steps: Sequence[Step]) -> set[int]:
    """The seqs of the LLM calls that ran inside an agent turn whose output was recorded: the turn's output is
    what was said, the answer inside it not an utterance of its own. `steps` in seq order."""
    open_until: list[int] = []  # the end seqs of the spoken turns started so far and not yet ended
    inside: set[int] = set()
    for step in steps:
        open_until = [end for end in open_until if end > step.seq]
        if step.kind == "agent_turn" and step.text:
            open_until.append(ended_at(step))
        elif step.component == "llm" and open_until:
            inside.add(step.seq)
    return inside


def _covered(row: Row, decisive: Step, agent: AgentSteps, run: RunClues, judging: Judging) -> bool:
    """Whether `call_loop` (in this agent) or `handoff_loop` (in the run) fires over the steps the row spans."""
    start, end = decisive.seq, ended_at(row[-1][0])
    found = [*call_loop(agent, run, judging), *handoff_loop(run, RunFigures(run.run_id), judging)]
    return any(_overlaps(finding.evidence, start, end) for finding in found)


def _overlaps(items: Sequence[Evidence], start: int, end: int) -> bool:
    seqs = [item.ref.seq for item in items]
    return bool(seqs) and min(seqs) <= end and max(seqs) >= start


def _confidence(row: Row) -> str:
    """How exact the row's repeats are: as written (high), once normalised (medium), as far as kept (low)."""
    texts = [(repeat.text or "", original.text or "") for repeat, original in row]
    if any(len(text) >= TEXT_CHARS for pair in texts for text in pair):
        return "low"
    return "high" if all(said.strip() == before.strip() for said, before in texts) else "medium"


def _no_progress(row: Row, decisive: Step, agent: AgentSteps, run: RunClues, repeats: int) -> Finding:
    count, first = len(row), row[0][0]
    originals = {original.seq for _, original in row}
    who = agent_name(decisive, run) or agent.name
    confidence = _confidence(row)
    quoted = (decisive.text or "").strip()[:120]
    why = (f"no_progress: from {first.address} on, {count} answers in a row in agent {agent.name or '(none)'} "
           f"(threshold {repeats}, diagnose_loop_repeats) each repeated something said earlier "
           f"({len(originals)} distinct earlier answer(s); case and white space ignored) and no tool brought a "
           f"new result in between; the last new answer was {decisive.address}"
           + {"high": "", "medium": " (some repeats are equal only once normalised)",
              "low": f" (the answers are equal in the first {TEXT_CHARS} characters kept; what followed may "
                     f"differ)"}[confidence])
    suggestion = (f"give the agent what it lacks after {decisive.address} (a tool, the missing fact, a clearer "
                  f"task) or let it stop: end the conversation when a turn repeats an earlier one (AutoGen "
                  f"`MaxMessageTermination` or `TextMentionTermination`, a stop rule in whatever hands the turns) "
                  f"and cap the agent's turns (openai-agents `max_turns`, LangGraph `recursion_limit`, smolagents "
                  f"`max_steps`)")
    notes = [evidence(decisive, run, f"the last new answer: {quoted!r}"),
             *(evidence(repeat, run, f"repeats {original.address} ({index + 1} of {count})")
               for index, (repeat, original) in enumerate(row))]
    return Finding("no_progress", "warning", confidence,
                   f"{who or 'the agent'} said nothing new after {decisive.address}: {count} answers in a row "
                   f"repeated earlier ones", why, suggestion, capped(notes), run.run_id, agent=agent.name,
                   setting=SETTINGS["loop_repeats"],
                   figures={"repeats": float(count), "said_before": float(len(originals))})


AGENT_RULES: list[AgentRule] = [no_progress]
RUN_RULES: list[RunRule] = []
