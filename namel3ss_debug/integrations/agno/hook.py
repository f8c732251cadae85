"""Agno's agents, teams and tool calls as spans, through the methods every run and tool call goes through.

Agno's own observation seams (its run events, its OpenTelemetry tracing through OpenInference) only
watch: a rerun must answer a tool call without running its body, so the seams are Agno's methods:

- `Agent.run` / `arun` and `Team.run` / `arun` (`agno/runs.py`): an `agent` span over each run,
  streamed or not, current while it runs, so the LLM calls the HTTP transport records, the tool spans
  and a team's member runs nest under it;
- `FunctionCall.execute` / `aexecute` (`agno/toolcalls.py`), where Agno runs each tool call the model
  asked for, with the model's call id (`FunctionCall.call_id`): a `tool` span, answered from the
  recording in a rerun without running the tool, its pre/post hooks and tool hooks. A tool whose body
  is a generator (a team's delegation to its members, which runs them) is left to run, in a rerun too.

`import agno` loads none of these: each is hooked when the app imports its module (`agno.agent.agent`,
`agno.team.team`, `agno.tools.function`), and a point one lacks is a warning naming it.

Agno's telemetry (a request to Agno's API after each run, from a thread of its own, unless
`AGNO_TELEMETRY=false` or `telemetry=False`) is left as the app set it: an `http` span like any request
the app makes. Its body holds a session id Agno makes anew each run, so a rerun of an app that leaves
it on differs there and is not reproduced: apps traced to be rerun turn it off.
"""

from __future__ import annotations

from types import ModuleType

from ...tracer.imports import hook_when_imported
from ..frameworks import STILL, UNRECORDED

# Agno's module -> ours whose `install(module)` hooks it.
MODULES = {"agno.agent.agent": "runs", "agno.team.team": "runs", "agno.tools.function": "toolcalls"}


def install(module: ModuleType) -> list[str]:
    """Hook Agno's agent, team and tool-call modules as the app imports them; nothing is missing yet."""
    for name, hook in MODULES.items():
        hook_when_imported(name, f"{__package__}.{hook}", unrecorded=UNRECORDED, still=STILL,
                           distribution="agno")
    return []


__all__ = ["install"]
