"""Who acted in a run: the agents that made its LLM and tool calls or took its turns (`RunClues.actors`), over the
whole run.

When no rule points at a step, a run in which one agent alone acted (users left out) still has its responsible
agent: that one, at a step not singled out.
"""

from __future__ import annotations

from typing import Optional

from .blame_chain import USERS
from .rules.evidence import agent_name
from .steps import MAX_ACTORS, RunClues, Step


def note_actor(clues: RunClues, step: Step) -> None:
    """An LLM or tool call or an agent turn ended: one more step of the agent that acted in it (none when it ran in
    no agent)."""
    name = agent_name(step, clues)
    if name is None:
        return
    if name in clues.actors:
        clues.actors[name] += 1
    elif len(clues.actors) < MAX_ACTORS:
        clues.actors[name] = 1
    else:
        clues.more_actors = True


def only_actor(clues: RunClues) -> Optional[tuple[str, int]]:
    """The one agent, not a user, that acted in the run, with its steps; None when none or several did."""
    acting = [(name, calls) for name, calls in clues.actors.items() if name.casefold() not in USERS]
    return acting[0] if len(acting) == 1 and not clues.more_actors else None
