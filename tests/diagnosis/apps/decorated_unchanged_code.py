"""Decorated: agent `analyst` has its model write Python and runs it with `run_code`; the first code fails with
NameError, the error goes back to the model, which sends the same code again: it fails the same way. The model's
third try imports what was missing and the answer follows. Kind: unchanged_after_error (a warning: the agent
recovered), at `tool:run_code#1` and `tool:run_code#2`."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

BROKEN = "print(mean([1, 2, 3]))"
FIXED = "from statistics import mean\nprint(mean([1, 2, 3]))"
LLM = FakeLLM([BROKEN, BROKEN, FIXED, "The mean of 1, 2 and 3 is 2."], model="gpt-4o-mini")


@trace_tool_call
def run_code(code: str) -> str:
    if "import mean" not in code:
        raise NameError("name 'mean' is not defined")
    return "2"


@trace_llm_call(name="analyst_llm", codec=FakeCompletion)
def think(prompt: str) -> FakeCompletion:
    return LLM.complete(prompt)


@trace_agent_execution(name="analyst")
def run(task: str) -> str:
    prompt = f"Write Python that prints the answer: {task}"
    for _ in range(3):
        code = think(prompt).text
        try:
            output = run_code(code)
            break
        except NameError as exc:  # the error goes back to the model, which should change the code
            prompt += f"\nYour code:\n{code}\nfailed with NameError: {exc}"
    return think(f"{prompt}\nThe code printed {output}. Answer the task.").text


if __name__ == "__main__":
    print(run("the mean of 1, 2 and 3"))
