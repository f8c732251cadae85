"""Decorated: agent `coder` has its model write a function and runs the tests with `run_tests`; they fail with
AssertionError, the error goes back to the model, which answers that it fixed the bug and that all tests pass,
without running them again. The run ends completed. Kind: success_claimed_after_failure, at the model's answer
(`llm:coder_llm#2`) and the failed run (`tool:run_tests#1`)."""

from __future__ import annotations

from namel3ss_debug import trace_agent_execution, trace_llm_call, trace_tool_call
from namel3ss_debug.testing import FakeCompletion, FakeLLM

CODE = "def last(items):\n    return items[len(items)]"
LLM = FakeLLM([CODE, "I fixed the off-by-one in last(). All tests pass now."], model="gpt-4o-mini")


@trace_tool_call
def run_tests(code: str) -> str:
    if "len(items)]" in code:
        raise AssertionError("last([1, 2, 3]) raised IndexError: list index out of range")
    return "3 passed"


@trace_llm_call(name="coder_llm", codec=FakeCompletion)
def think(prompt: str) -> FakeCompletion:
    return LLM.complete(prompt)


@trace_agent_execution(name="coder")
def run(task: str) -> str:
    code = think(f"Write Python: {task}").text
    try:
        report = run_tests(code)
    except AssertionError as exc:  # the failure goes back to the model, which should fix the code and run again
        report = f"the tests failed: {exc}"
    return think(f"Your code:\n{code}\nTest report: {report}\nFix it if needed and report.").text


if __name__ == "__main__":
    print(run("a function last(items) that returns the last item"))
