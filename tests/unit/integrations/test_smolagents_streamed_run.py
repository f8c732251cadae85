"""A smolagents run whose steps stream (`run(task, stream=True)`) as one `agent` span
(integrations/smolagents/runs.py): current while smolagents makes a step, not while the app handles one,
ended after the last step or where the app stops reading. smolagents itself is not needed: an agent
class of the same shape stands for it."""

from __future__ import annotations

from typing import Any, Iterator

from support.rerunhelpers import record

from namel3ss_debug import span
from namel3ss_debug.integrations.smolagents.runs import with_agent_span


class FinalAnswerStep:
    """As smolagents' last step: the answer under `output`."""

    def __init__(self, output: Any):
        self.output = output


class Agent:
    """An agent whose run, streamed, makes each step in a span of its own (as an LLM call would be)."""

    name = "forecaster"
    model = None

    def __init__(self) -> None:
        self.closed = False

    def run(self, task: str, stream: bool = False) -> Any:
        steps = self._steps(task)
        return steps if stream else list(steps)[-1].output

    def _steps(self, task: str) -> Iterator[Any]:
        try:
            for number in (1, 2):
                with span(f"step {number}", component="custom"):
                    pass
                yield f"step {number}"
            yield FinalAnswerStep(f"answer to {task}")
        finally:
            self.closed = True


Agent.run = with_agent_span(Agent.run)  # type: ignore[method-assign]


def starts(events: list[dict]) -> dict[str, dict]:
    return {event["name"]: event for event in events if event["event_type"].endswith("_start")}


def test_a_streamed_run_is_an_agent_span_over_the_steps_and_not_over_what_the_app_does_between() -> None:
    def app() -> list[Any]:
        got = []
        for step in Agent().run("rain?", stream=True):
            with span(f"app got {getattr(step, 'output', step)}", component="custom"):
                got.append(step)
        return got

    got, events = record(app)
    opened = starts(events)
    agent = opened["forecaster"]
    assert (agent["component"], agent["inputs"]) == ("agent", {"task": "rain?"})
    assert [opened[f"step {n}"]["parent_id"] for n in (1, 2)] == [agent["span_id"]] * 2
    assert opened["app got step 1"]["parent_id"] == agent["parent_id"], "the app's own code is not in the run"
    end = next(e for e in events if e["event_type"] == "agent_execution_end")
    assert (end["status"], end["outputs"]) == ("completed", {"return": "answer to rain?"})
    assert len(got) == 3


def test_an_app_that_stops_reading_ends_the_run_span_there_and_closes_the_run() -> None:
    agent = Agent()

    def app() -> Any:
        steps = agent.run("rain?", stream=True)
        first = next(steps)
        steps.close()
        return first

    first, events = record(app)
    assert first == "step 1"
    assert agent.closed, "smolagents' own generator is closed"
    end = next(e for e in events if e["event_type"] == "agent_execution_end")
    assert end["status"] == "completed" and "outputs" not in end
    assert "step 2" not in starts(events)


def test_a_run_not_streamed_is_one_agent_span_with_its_answer() -> None:
    answer, events = record(lambda: Agent().run("rain?"))
    end = next(e for e in events if e["event_type"] == "agent_execution_end")
    assert (answer, end["outputs"]) == ("answer to rain?", {"return": "answer to rain?"})
    assert [e["parent_id"] for e in events if e["name"].startswith("step")][0] == end["span_id"]
