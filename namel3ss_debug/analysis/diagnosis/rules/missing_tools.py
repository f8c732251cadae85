"""The family `tools`'s fifth rule, `missing_tool` (an agent rule): the model asked, again and again, for a tool the app
does not have.

The rule, per tool name in one agent execution: the LLM answers that asked for it (`Step.asked`) where it was missing,
that is where the answer's request offered tools and not that one (`Step.offered`, read from the request's `tools`), or
where the app's answer to the call says no such tool exists (the result sent back, or the error of the call's step,
`tools.answers_of`). A framework's wording (each as the installed version writes it): LangGraph's ToolNode "Error:
web_search is not a valid tool, try one of [...]", pydantic-ai's "Unknown tool name: 'web_search'", smolagents' "Unknown
tool web_search, should be one of: ...", Strands' "Unknown tool: web_search", openai-agents', LlamaIndex's, Haystack's,
Google ADK's and AutoGen's "Tool 'web_search' not found", AutoGen's "Tool not found: web_search", CrewAI's "Action
'web_search' don't exist", Agno's "The requested tool does not exist", and an app's own loop's "no tool named
web_search" / "no such tool: web_search" (`missing_words.py`). The words must name the tool asked for (Agno's alone
names none), so "Error in tool get_weather: city not found" is not one. Said when the answers asking for it number
`thresholds.missing_tool_asks` (`diagnose_missing_tool_asks`, default 3) or more, and no call of that name completed
with a result that is not such an answer (a tool that ran is a tool the app has). Nothing is said when neither the
request's tools nor the app's answer were recorded: an ask no step answered may be a tool the app runs untraced.

`unknown_tool` says each ask its request did not offer, once; this rule says the model kept asking, which the answers it
was sent did not stop. `tool_failing_repeatedly` steps aside for a tool every failure of which is such an answer, when
this rule says it (its advice, to fix the tool's arguments, would send the user the wrong way).

The finding's evidence: the first asking answer and the app's first answer to it, then the last ask. `critical` when the
agent then ended failed or no other tool call completed after the last ask (the model never got past it); else
`warning`. Confidence `high`: the request's tools or the app's own words show the tool missing. Figures: `asks`,
`offered` (the names the last asking request offered, when recorded).
"""

from __future__ import annotations

from typing import Iterable, Optional, Sequence

from ...thresholds import SETTINGS, Judging
from . import AgentRule, RunRule
from ...records.findings import Finding
from ..notes.steps import AgentSteps, RunClues, Step, ToolAsk
from .evidence import capped, evidence
from .missing_words import says_missing
from .tools import answers_of

def missing_tool(agent: AgentSteps, run: RunClues, judging: Judging) -> Iterable[Finding]:
    """One tool name the model asked for `missing_tool_asks` times or more, each time missing from the app."""
    threshold = judging.thresholds.missing_tool_asks
    for name, asks in _missing_asks(agent.steps).items():
        if len(asks) >= threshold and not _ran(agent.steps, name):
            yield _finding(agent, run, name, asks, threshold)


def _missing_asks(steps: Sequence[Step]) -> dict[str, list[tuple[Step, Optional[Step]]]]:
    """Each tool name -> the asking answers where it was missing, each with the app's answer that says so (None when
    the request's tools alone show it)."""
    found: dict[str, list[tuple[Step, Optional[Step]]]] = {}
    for step in steps:
        if step.component != "llm":
            continue
        for name in dict.fromkeys(ask.name for ask in step.asked if ask.name):  # one an answer
            ask = next(ask for ask in step.asked if ask.name == name)
            said = _said_missing(steps, step, ask)
            if said is not None or (step.offered is not None and name not in step.offered):
                found.setdefault(name, []).append((step, said))
    return found


def _said_missing(steps: Sequence[Step], llm: Step, ask: ToolAsk) -> Optional[Step]:
    """The app's answer to `ask` that says no such tool exists, when one does."""
    return next((answer for answer in answers_of(steps, llm, ask) if says_missing(answer, ask.name)), None)


def _ran(steps: Sequence[Step], name: str) -> bool:
    """Whether a call of `name` completed with a result that does not say it is missing: the app has it."""
    return any(step.component == "tool" and step.name == name and step.status == "completed"
               and not says_missing(step, name) and not _made_up(step) for step in steps)


def _made_up(step: Step) -> bool:
    """A step made from the wire whose result reads as an error: what the app sent back for a call it could not run
    (the words may be the app's own, none of `MISSING`)."""
    return step.source == "wire" and step.inferred is True


def _finding(agent: AgentSteps, run: RunClues, name: str, asks: list[tuple[Step, Optional[Step]]],
             threshold: int) -> Finding:
    first = asks[0][0]
    last = asks[-1][0]
    offered = last.offered
    listed = ", ".join(offered) if offered else None
    told = next((answer for _, answer in asks if answer is not None), None)
    words = _words(told)
    stuck = agent.status == "failed" or not _moved_on(agent.steps, name, last.seq)
    shown = ([f"the request offered {listed or 'no tools'}"] if offered is not None else []) + (
        [f"the app answered {words}"] if words else [])
    why = (f"missing_tool: the model asked for `{name}` in {len(asks)} answers in agent {agent.name or '(none)'} "
           f"(threshold {threshold}, diagnose_missing_tool_asks), and the app does not have it: "
           f"{'; '.join(shown)}; no call of `{name}` ran"
           + ("; the agent then ended failed" if agent.status == "failed"
              else "; no other tool call completed after its last ask" if stuck else ""))
    suggestion = (f"give the app a `{name}` tool and offer it to the model, or, if it should not have one, tell the "
                  f"model which tools exist: name them in the system prompt"
                  + (f" ({listed})" if listed else "")
                  + f", answer an unknown tool with that list, and stop the agent when it asks for `{name}` again "
                    f"(first ask at {first.address})")
    notes = [evidence(first, run, f"asked for `{name}`" + (f"; offered: {listed or 'none'}" if offered is not None
                                                          else "")),
             *([evidence(told, run, f"the app answered {words}")] if told is not None else []),
             evidence(last, run, f"asked for `{name}` again ({len(asks)} of {len(asks)})")]
    figures = {"asks": float(len(asks))}
    if offered is not None:
        figures["offered"] = float(len(offered))
    return Finding("missing_tool", "critical" if stuck else "warning", "high",
                   f"the model asked {len(asks)} times for `{name}`, a tool the app does not have", why, suggestion,
                   capped({note.ref.seq: note for note in notes}.values()), run.run_id, agent=agent.name,
                   setting=SETTINGS["missing_tool_asks"], figures=figures)


def _words(answer: Optional[Step]) -> str:
    if answer is None:
        return ""
    text = (answer.error_message or answer.result or "").strip().splitlines()
    first = text[0] if text else ""
    return repr(first[:120] + ("…" if len(first) > 120 else ""))


def _moved_on(steps: Sequence[Step], name: str, after: int) -> bool:
    """Whether a call of another tool completed after the last ask for `name`: the model got past it."""
    return any(step.component == "tool" and step.name != name and step.status == "completed" and step.seq > after
               and not _made_up(step) for step in steps)


AGENT_RULES: list[AgentRule] = [missing_tool]
RUN_RULES: list[RunRule] = []
