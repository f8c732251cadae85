"""Rule 1 of the blame on a raw openai loop, recorded as a user's app is (the real `openai` package at its HTTP
client, a stub of the API on 127.0.0.1): a tool that rejects a value of the user's own question is the input's
fault, not the model's that passed it on, and the blame says to validate that input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from support.blametraces import blames
from support.stubs import LoopbackServer, Reply, Request, chat_completion, json_reply

from namel3ss_debug import capture_http, trace_tool_call
from namel3ss_debug.testing.capture import capture_events
from namel3ss_debug.tracer.api import get_tracer

openai = pytest.importorskip("openai", reason="the openai SDK is not installed: pip install openai")

pytestmark = pytest.mark.usefixtures("isolated_workspace")
KEY = "sk-test-blame-input-0123456789"
RATES = {"EUR": 0.92, "GBP": 0.79}
STATIONS = {"Paris": "light rain, 14 C"}
APOLOGY = "I'm sorry, I could not get that for you."


def tool_schema(name: str, **properties: str) -> dict[str, Any]:
    return {"type": "function", "function": {"name": name, "parameters": {
        "type": "object", "properties": {key: {"type": kind} for key, kind in properties.items()},
        "required": list(properties)}}}


TOOLS = [tool_schema("convert_currency", amount="number", currency="string"), tool_schema("get_weather", city="string")]


@trace_tool_call
def convert_currency(amount: float, currency: str) -> str:
    if currency not in RATES:
        raise ValueError(f"unsupported currency {currency!r}")
    return f"{amount * RATES[currency]:.2f} {currency}"


@trace_tool_call
def get_weather(city: str) -> str:
    return STATIONS[city]


RUN = {"convert_currency": convert_currency, "get_weather": get_weather}


class ScriptedModel:
    """The stub's answers: the first request asks for `tool` with `arguments`, every later one says APOLOGY."""

    def __init__(self, tool: str, arguments: dict[str, Any]):
        self.tool, self.arguments, self.asked = tool, arguments, 0

    def __call__(self, request: Request) -> Reply:
        self.asked += 1
        if self.asked > 1:
            return json_reply(chat_completion({"role": "assistant", "content": APOLOGY}, usage=(60, 9)))
        call = {"id": "call_1", "type": "function",
                "function": {"name": self.tool, "arguments": json.dumps(self.arguments)}}
        return json_reply(chat_completion({"role": "assistant", "content": None, "tool_calls": [call]},
                                          usage=(40, 12), finish_reason="tool_calls"))


@pytest.fixture
def model() -> Iterator[Callable[[str, dict[str, Any]], Any]]:
    """A stub of the API answering as a `ScriptedModel(tool, arguments)`: an OpenAI client on it."""
    capture_http()
    servers: list[LoopbackServer] = []

    def start(tool: str, arguments: dict[str, Any]) -> Any:
        server = LoopbackServer({"POST /v1/chat/completions": ScriptedModel(tool, arguments)}, base="/v1").start()
        servers.append(server)
        return openai.OpenAI(base_url=server.url, api_key=KEY, max_retries=0)

    yield start
    for server in servers:
        server.stop()


def raw_loop(client: Any, question: str, hand_back: bool) -> str:
    """The loop a user writes: the model's tool calls run until it answers; a tool's error raised out of the app,
    or (`hand_back`) sent back to the model as the tool's result."""
    messages: list[Any] = [{"role": "system", "content": "You help travellers. Use the tools."},
                           {"role": "user", "content": question}]
    while True:
        message = client.chat.completions.create(model="gpt-4o-mini", messages=messages,
                                                 tools=TOOLS).choices[0].message
        if not message.tool_calls:
            return message.content or ""
        messages.append(message.model_dump(exclude_none=True))
        for call in message.tool_calls:
            try:
                result = RUN[call.function.name](**json.loads(call.function.arguments))
            except (KeyError, ValueError) as exc:
                if not hand_back:
                    raise
                result = f"error: {exc!r}"
            messages.append({"role": "tool", "tool_call_id": call.id, "content": result})


def traced(path: Path, client: Any, question: str, hand_back: bool) -> Path:
    """The loop traced into `path`; an error that escapes it ends the run failed, as `trace` ends it."""
    with capture_events() as run:
        tracer = get_tracer()
        try:
            raw_loop(client, question, hand_back)
        except (KeyError, ValueError) as exc:
            tracer.record_error(exc, unhandled=True)
            tracer.end_run("failed", exit_code=1, error=exc)
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in run.events))
    return path


CASES = {
    "currency, raised out": ("Convert 100 USD to XXX for my trip, please.", "convert_currency",
                             {"amount": 100, "currency": "XXX"}, False, "'XXX'"),
    "city, handed back": ("What's the weather in Paris, FR today?", "get_weather", {"city": "Paris, FR"}, True,
                          "'Paris, FR'"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_tool_that_rejects_the_users_own_input_blames_the_input_not_the_model(tmp_path: Path, model: Any,
                                                                               case: str) -> None:
    question, tool, arguments, hand_back, value = CASES[case]
    [blame] = blames(traced(tmp_path / "run.jsonl", model(tool, arguments), question, hand_back))
    assert blame.agent == "user" and blame.path == "error.value_from_input"
    # the input is shown where it entered the run: the first LLM call, whose request carried the question
    assert blame.step is not None and blame.step.address == "llm:openai.chat#1"
    assert value in blame.why and "validate" in blame.why and "not the model" in blame.why
    assert [(link.role, link.evidence.address) for link in blame.chain[:2]] == [
        ("decisive", "llm:openai.chat#1"), ("propagated", f"tool:{tool}#1")]
