"""Who acted in a run: the agents that made its LLM and tool calls or took its turns (`RunClues.actors`), over the
whole run, which a run read in parts joins (`parts/join.py`).
"""

from __future__ import annotations

from ..rules.evidence import agent_name
from ..notes.steps import MAX_ACTORS, RunClues, Step


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
