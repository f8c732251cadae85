"""What a test answered from its golden run is told when a call is not in it: which call, the nearest recorded
one, and what changed (the first field that differs, a text where the two part), then how to record again.

    golden run tests/golden/test_app/test_weather.jsonl has no answer for llm:openai.chat#2 at agent > llm#2
      why: no recorded call asked this
      nearest recorded: llm:openai.chat#2 (tests/golden/test_app/test_weather.jsonl:9)
        inputs: messages[0].content: recorded 'What is the weather in Paris?', this call 'What is ...'
      if the change is meant: pytest --n3-record=rewrite 'tests/test_app.py::test_weather' records it again
"""

from __future__ import annotations

from ..rerun.candidates import Miss
from ..model.messages import visible


def miss_text(miss: Miss, golden: str, nodeid: str, copy: str | None = None) -> str:
    """The failure of a test whose call `miss` the golden file `golden` (shown so) had no answer for; `copy`, the
    path the file was read from when it is not `golden` itself."""
    def shown(text: str) -> str:
        return visible(text.replace(copy, golden) if copy else text)

    lines = [f"golden run {golden} has no answer for {shown(miss.call)}"
             + (f" at {shown(miss.path)}" if miss.path and miss.path != "-" else ""),
             f"  why: {shown(miss.why)}"]
    for number, candidate in enumerate(miss.candidates[:1]):
        lines.append(f"  nearest recorded: {shown(candidate.key)} ({shown(candidate.where)})")
        lines.extend(f"    {shown(reason)}" for reason in candidate.reasons)
    lines.append(f"  if the change is meant: pytest --n3-record=rewrite '{nodeid}' records the golden run again "
                 "(--n3-record=new keeps its answers and records only the calls it lacks)")
    return "\n".join(lines)
