"""A golden test of an app's own tool loop on the openai SDK (an agent known only from the wire) whose system prompt
is edited after its golden run was recorded: the replay misses its first request, and the miss says what changed
(the system prompt), not that the call moved: the agent is named by its tools, not by its prompt's words, so the
call runs under the agent it was recorded under and no `place` line is printed."""

from __future__ import annotations

import pytest
from support.goldensuites import run_pytest, suite_environ, write_suite
from support.stubserver import StubServer

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow  # pytest sessions of sample projects, in processes of their own

LOOP = '''
import json, os

import openai
import pytest
from agentapp import keep

TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


@pytest.mark.n3replay
def test_weather():
    client = openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", max_retries=0)
    messages = [{"role": "system", "content": os.environ["SYSTEM_PROMPT"]},
                {"role": "user", "content": "Weather in Paris"}]
    while True:
        message = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                                 tools=TOOLS).choices[0].message
        if not message.tool_calls:
            break
        messages.append(message.model_dump(exclude_none=True))
        messages += [{"role": "tool", "tool_call_id": call.id, "content": "light rain"}
                     for call in message.tool_calls]
    keep("weather", message.content)
'''

RECORDED = "You are a weather assistant. Be brief."
EDITED = "You are a helpful travel assistant; use the tools."


def test_an_edited_system_prompt_misses_on_its_inputs_not_on_its_place(pytester: pytest.Pytester) -> None:
    write_suite(pytester.path, test_agent=LOOP)
    with StubServer() as server:
        environ = suite_environ(pytester.path, server.url)
        run_pytest(pytester.path, {**environ, "SYSTEM_PROMPT": RECORDED}, "--n3-record=once").assert_outcomes(
            passed=1)
    replayed = run_pytest(pytester.path, {**suite_environ(pytester.path, server.url, key=None),
                                          "SYSTEM_PROMPT": EDITED})
    replayed.assert_outcomes(failed=1)
    lines = replayed.outlines
    start = next(index for index, line in enumerate(lines) if line.startswith("golden run "))
    assert lines[start:start + 3] == [
        "golden run golden/test_agent/test_weather.jsonl has no answer for llm:openai.chat#1 under "
        "agent:agent(get_weather)#1",
        "  nearest recorded: llm:openai.chat#1 (golden/test_agent/test_weather.jsonl:4)",
        f"    inputs: messages[0].content: recorded '{RECORDED}', this call '{EDITED}'"]
    assert not any("place:" in line for line in lines), "\n".join(lines)
