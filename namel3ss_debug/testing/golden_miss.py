"""What a test answered from its golden run is told when a call is not in it: which call, the nearest recorded
one and what changed (the first field that differs, a text where the two part), then how to record again.

    golden run tests/golden/test_app/test_weather.jsonl has no answer for llm:openai.chat#2
      nearest recorded: llm:openai.chat#2 (tests/golden/test_app/test_weather.jsonl:9)
        inputs: messages[0].content: recorded 'What is the weather in Paris?', this call 'What is ...'
      if the change is meant: pytest --n3-record=rewrite 'tests/test_app.py::test_weather' records it again

What changed is said of the inputs as they were compared (`compared`): a new generated id, today's date or the
replay's own key before the real change is never named as the difference (the texts show them as `<uuid>`,
`<time>`, `<secret>`).

The rerun's own reason (`why:`) is said only where the nearest recorded call does not already say it: a call
the guard refused (`connect 127.0.0.1:8080`), which has none, or one whose twin matched but could not answer.
The call's place in the run is said by the span it ran under (`llm:openai.chat#2 under agent:planner#1`), where
it has one: the path's last step is the call itself.
"""

from __future__ import annotations

from dataclasses import replace

from ..model.messages import visible
from ..rerun.candidates import Candidate, Miss
from ..rerun.parting import compared_difference
from ..recording.calls import Recording

UNEXPLAINED = "matches, but was not chosen"  # a candidate's reason that says nothing of what changed
INPUTS = "inputs: "  # the reason that says where the inputs differ


def miss_text(miss: Miss, golden: str, nodeid: str, copy: str | None = None) -> str:
    """The failure of a test whose call `miss` the golden file `golden` (shown so) had no answer for; `copy`, the
    path the file was read from when it is not `golden` itself."""
    def shown(text: str) -> str:
        return visible(text.replace(copy, golden) if copy else text)

    nearest = miss.candidates[0] if miss.candidates else None
    parent = miss.path.rpartition(" > ")[0]
    place = f" under {shown(parent)}" if parent else ""
    lines = [f"golden run {golden} has no answer for {shown(miss.call)}{place}"]
    if nearest is None or not _explains(nearest):
        lines.append(f"  why: {shown(miss.why)}")
    if nearest is not None:
        lines.append(f"  nearest recorded: {shown(nearest.key)} ({shown(nearest.where)})")
        lines.extend(f"    {shown(reason)}" for reason in nearest.reasons if reason != UNEXPLAINED)
    lines.append(f"  if the change is meant: pytest --n3-record=rewrite '{nodeid}' records the golden run again "
                 "(--n3-record=new keeps its answers and records only the calls it lacks)")
    return "\n".join(lines)


def _explains(candidate: Candidate) -> bool:
    """Whether a candidate's reasons say why it did not answer the call (what differs, or that it was used)."""
    return any(reason != UNEXPLAINED for reason in candidate.reasons)


def compared(miss: Miss, recording: Recording) -> Miss:
    """`miss` with each nearest recorded call's difference of inputs said as `recording` compares them
    (`compared_difference`: with its masks on both sides), not of the texts as they were."""
    if miss.inputs is None or not any(reason.startswith(INPUTS) for near in miss.candidates for reason in near.reasons):
        return miss
    calls = {call.key: call for call in recording.calls}

    def reason(text: str, key: str) -> str:
        call = calls.get(key)
        if not text.startswith(INPUTS) or call is None:
            return text
        return INPUTS + compared_difference(recording, recording.inputs(call), miss.inputs)

    return replace(miss, candidates=tuple(replace(near, reasons=tuple(reason(text, near.key) for text in near.reasons))
                                          for near in miss.candidates))
