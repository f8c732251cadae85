"""Rule 5 of the blame (`judge.py` states it): where no other rule points at a step, a reading of the run still
names one, `low`, with up to two runners-up, each chosen by what the run said, never by where a step stands.

The readings, each a path of its own (`BlameVerdict.path`):

- `fallback.answer_source`: the final answer's words (three letters or more, common words left out) that the run
  was not given (its task, its user's words) are looked for in the outputs of the steps that ended before the
  answer began, of agents other than the one that answered (users left out), each word at the earliest step that
  wrote it: the step, not a tool, that wrote the most of them first (at least `MIN_SHARED`) is the one whose
  output the answer restates (a team lead's summary of what an expert found);
- `fallback.final_step`: the step that gave the final answer, which said what was judged wrong (a user's last word,
  a simulated user's `###STOP###`, is no answer of the run's: the last step of another with a text is);
- `fallback.tool_source`: the last tool result before the final answer that holds the most of those words: what
  the answer drew on;
- with no final answer, `fallback.last_answer`: the last LLM answer (a text or the tool calls it asked for) before
  the failure, else the last step before it (`fallback.last_step`);
- for a failed check (which judges the run's figures, not its answer): the step the check shows at
  (`fallback.check_step`), else the costliest LLM call for a check of cost or tokens, the slowest call for a check
  of time (`fallback.check_spend`), then the last LLM answer, else the last step (`fallback.check_last`).

A run with no step at all (no LLM or tool call, no agent turn) has nothing to point at: no verdict.
"""

from __future__ import annotations

import re
from typing import Optional

from .answer import final_step
from .chain import Link, BlameView, BlameVerdict, is_call, quote
from ..notes.provenance import outputs_of
from ...records.findings import BlamedFailure
from ..notes.steps import Step

WEAK = "no rule points at a step:"  # how every reading's why begins: a guess, not a rule's finding
NO_STEP = ("no step to point at: no rule points at a step, and the run made no LLM or tool call and took no agent "
           "turn (a user's left out)")
MIN_SHARED = 2  # words of the answer a step must hold to be its source
SHOWN_WORDS = 4  # words quoted in a why
COST_CHECKS = ("max_cost", "max_tokens")
TIME_CHECKS = ("max_p95", "max_p99", "max_latency", "max_duration")

_WORD = re.compile(r"[^\W_]{3,}")
# words any answer holds, which say nothing of where its content came from
_COMMON = frozenset("""about above after again also although among and answer any are because been before being
both but can cannot could did does doing done during each either else even ever every final for from had has have
having her here hers him his how however into its just like made make many may more most much must neither not now
off once one only other our ours out over own per same shall she should since some such than that the their theirs
them then there these they this those though through thus too two under until upon very was were what when where
whether which while who whom whose why will with within without would yes yet you your yours""".split())


def fallback_verdicts(view: BlameView, failure: BlamedFailure) -> list[BlameVerdict]:
    """Rule 5's verdicts, best first, each at a step of its own; empty when the run has no step to point at."""
    acted = [step for step in view.steps if (is_call(step) or step.kind == "agent_turn") and not view.is_user(step)]
    if not acted:
        return []
    readings = _check_readings(view, failure, acted) if failure.source == "check" else \
        _answer_readings(view, failure, acted)
    kept: list[BlameVerdict] = []
    for verdict in readings:
        step = verdict.links[0].evidence
        if not any(step.ref.seq == other.links[0].evidence.ref.seq for other in kept):
            kept.append(verdict)
    return kept


def _answer_readings(view: BlameView, failure: BlamedFailure, acted: list[Step]) -> list[BlameVerdict]:
    limit = view.limit(failure)
    final = final_step(view)
    text = view.run.final_text or (final.text if final is not None else None)
    if final is not None and view.is_user(final):  # the user had the last word: the answer is the last before it
        final = next((step for step in reversed(acted) if step.seq < final.seq and step.text), None)
        text = final.text if final is not None else None
    if final is None or not text:
        before = [step for step in acted if limit is None or step.seq <= limit]
        return [verdict for verdict in (_last_answer(view, before or acted),) if verdict is not None]
    wanted = _new_words(view, text)
    # ended before the final answer began: not the turn that holds it
    earlier = [step for step in acted if step.end_seq is not None and step.end_seq < final.seq]
    others = [step for step in earlier if view.party(step) != view.party(final)]
    found = [_answer_source(view, final, wanted, others), _final(view, final, wanted),
             _tool_source(view, final, wanted, earlier)]
    return [verdict for verdict in found if verdict is not None]


# -- the final answer's words -----------------------------------------------------------------------------------
def words_of(text: str) -> set[str]:
    """The words of `text` (three letters or digits or more), case folded, common ones left out."""
    return {word for word in (found.casefold() for found in _WORD.findall(text)) if word not in _COMMON}


def _new_words(view: BlameView, answer: str) -> set[str]:
    """The answer's words that the run was not given: what it said of its own."""
    return words_of(answer) - words_of(view.run.given.text)


def _held(step: Step, wanted: set[str]) -> set[str]:
    said: set[str] = set()
    for text in outputs_of(step):
        said |= words_of(text)
    return wanted & said


def _shown(words: set[str]) -> str:
    return ", ".join(quote(word) for word in sorted(words)[:SHOWN_WORDS]) + (", ..." if len(words) > SHOWN_WORDS
                                                                             else "")


def _answer_source(view: BlameView, final: Step, wanted: set[str], earlier: list[Step]) -> Optional[BlameVerdict]:
    """Of `earlier` (the steps of agents other than the final answer's), the step, not a tool, that first wrote
    the most of the answer's own words (each word counted at its earliest writer), at least MIN_SHARED."""
    seen: set[str] = set()
    best: Optional[tuple[Step, set[str]]] = None
    for step in earlier:
        held = _held(step, wanted)
        first, seen = held - seen, seen | held
        if step.component != "tool" and len(first) >= MIN_SHARED and (best is None or len(first) > len(best[1])):
            best = (step, first)
    if best is None:
        return None
    step, words = best
    who = view.agent(step) or "a step"
    why = (f"{WEAK} of the final answer's {len(wanted)} word(s) the run was not given, {who} wrote {len(words)} "
           f"before any other step ({_shown(words)}, seq {step.seq}), the most of any step of an agent other than "
           "the one that answered: the answer restates what it said")
    links = [Link(view.evidence(step, f"wrote {_shown(words)}"), "decisive",
                  f"{who} wrote {_shown(words)} first, which the final answer says again"),
             Link(view.evidence(final, "gave the final answer"), "propagated", "the final answer restated it")]
    return BlameVerdict(links, why, path="fallback.answer_source")


def _final(view: BlameView, final: Step, wanted: set[str]) -> BlameVerdict:
    who = view.agent(final) or "the run"
    why = (f"{WEAK} the final answer, which failed, was given here by {who} (seq {final.seq}); "
           + (f"{len(wanted)} of its words the run was not given" if wanted else "it holds no word the run was not "
              "given") + ", and no earlier step holds enough of them to have been its source")
    return BlameVerdict([Link(view.evidence(final, "gave the final answer"), "decisive",
                              f"{who} gave the final answer")],
                        why, path="fallback.final_step")


def _tool_source(view: BlameView, final: Step, wanted: set[str], earlier: list[Step]) -> Optional[BlameVerdict]:
    """The last tool result before the final answer holding the most of its words."""
    held = [(step, _held(step, wanted)) for step in earlier if step.component == "tool"]
    best = max((len(words) for _, words in held), default=0)
    if best < MIN_SHARED:
        return None
    step, words = next((step, words) for step, words in reversed(held) if len(words) == best)
    why = (f"{WEAK} {step.address} returned {len(words)} of the final answer's {len(wanted)} words the run was not "
           f"given ({_shown(words)}), the most of any tool: the answer drew on its result, which may be what was "
           "wrong")
    return BlameVerdict([Link(view.evidence(step, f"returned {_shown(words)}"), "decisive",
                              f"{step.address}'s result holds the final answer's words"),
                         Link(view.evidence(final, "gave the final answer"), "propagated",
                              "the final answer drew on it")],
                        why, path="fallback.tool_source")


# -- no final answer --------------------------------------------------------------------------------------------
def _last_answer(view: BlameView, steps: list[Step]) -> Optional[BlameVerdict]:
    """The last LLM answer (a text or asked tool calls) before the failure, else the last step."""
    said = next((step for step in reversed(steps) if step.component == "llm" and (step.text or step.asked)), None)
    if said is not None:
        who = view.agent(said) or "the model"
        return BlameVerdict([Link(view.evidence(said, "the last answer"), "decisive", f"{who}'s last answer")],
                            f"{WEAK} the run gave no final answer; the last LLM answer before the failure is {who}'s "
                            f"(seq {said.seq}), what the run did last by its own choice", path="fallback.last_answer")
    last = steps[-1]
    return BlameVerdict([Link(view.evidence(last, "the last step"), "decisive", "the last step before the failure")],
                        f"{WEAK} the run gave no final answer and no LLM answer; {last.address} (seq {last.seq}) "
                        "is the last step before the failure", path="fallback.last_step")


# -- a failed check ---------------------------------------------------------------------------------------------
def _check_readings(view: BlameView, failure: BlamedFailure, acted: list[Step]) -> list[BlameVerdict]:
    """The step the check shows at, the spender its figure is about, then the last answer."""
    shown = view.by_seq.get(failure.seq) if failure.seq is not None else None
    found: list[BlameVerdict] = []
    if shown is not None and shown in acted:
        found.append(_check_step(view, shown, "the check shows at it", "fallback.check_step"))
    spent = _spender(view, failure.what)
    if spent is not None:
        found.append(_check_step(view, *spent, "fallback.check_spend"))
    said = next((step for step in reversed(acted) if step.component == "llm" and (step.text or step.asked)), None)
    last = said or acted[-1]
    found.append(_check_step(view, last, "the run's last " + ("LLM answer" if said is not None else "step"),
                             "fallback.check_last"))
    return found


def _check_step(view: BlameView, step: Step, said: str, path: str) -> BlameVerdict:
    return BlameVerdict([Link(view.evidence(step, said), "decisive", said)],
                        f"{WEAK} a check judges the run's figures, not its answer; {step.address} "
                        f"(seq {step.seq}): {said}",
                        path=path)


def _spender(view: BlameView, what: str) -> Optional[tuple[Step, str]]:
    """The step a check of `what` (`check max_cost: $2.10 > $1.00`) is about: the costliest LLM call for a check of
    cost or tokens, the slowest call for one of time."""
    run = view.run
    if any(name in what for name in COST_CHECKS) and run.costliest is not None:
        return run.costliest, "it is the run's costliest LLM call"
    if any(name in what for name in TIME_CHECKS) and run.slowest is not None:
        return run.slowest, "it is the run's slowest call"
    return None
