"""A rerun serves streamed answers kept without their frames, on the real command: an app streams from OpenAI chat,
Responses, Anthropic and Gemini through their SDKs and from Ollama over httpx, against the stub server on
127.0.0.1 (a new text on every request); its trace is written as a golden file keeps it (each event through
`golden_streams.compacted`, as `golden_lines` does), and `replay --rerun` of that file gives the app the same
texts, tool calls and usage, with no request reaching the stub."""

from __future__ import annotations

from pathlib import Path

import orjson
from sdkapps import recorded
from support.rerunhelpers import command

from namel3ss_debug.testing.golden_streams import compacted

APP = '''
def show(label, *said):
    print(label + ": " + json.dumps(said, sort_keys=True, default=str))

with StubServer(fresh=True) as server:
    chat = openai.OpenAI(base_url=server.openai_url, api_key="sk-stub", max_retries=0)
    for tools in ([], [TOOL]):
        with chat.chat.completions.stream(model="gpt-4o", messages=USER, tools=tools,
                                          stream_options={"include_usage": True}) as events:
            done = events.get_final_completion()
        show("chat", done.choices[0].message.model_dump(), done.usage.model_dump(), done.id)
    for tools in ([], [{"type": "function", "name": "get_weather", "parameters": TOOL["function"]["parameters"]}]):
        with chat.responses.stream(model="gpt-4.1", input="Weather in Paris", tools=tools) as events:
            show("responses", events.get_final_response().model_dump())
    claude = anthropic.Anthropic(base_url=server.url, api_key="sk-ant-stub", max_retries=0)
    for tools in ([], [{"name": "get_weather", "input_schema": TOOL["function"]["parameters"]}]):
        with claude.messages.stream(model="claude-test", max_tokens=64, messages=USER, tools=tools) as events:
            show("anthropic", events.get_final_message().model_dump())
    gemini = genai.Client(api_key="stub", http_options=genai.types.HttpOptions(base_url=server.url))
    chunks = list(gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="Weather in Paris"))
    show("gemini", "".join(c.text or "" for c in chunks), [c.usage_metadata.model_dump() for c in chunks][-1])
    lines = httpx.post(server.url + "/api/chat", json={"model": "llama3", "messages": USER}).text.splitlines()
    said = [json.loads(line) for line in lines]
    show("ollama", "".join(line["message"]["content"] for line in said), said[-1]["eval_count"])
    print("http requests:", len(server.requests))
'''


def said(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.split(":", 1)[0] in
            ("chat", "responses", "anthropic", "gemini", "ollama")]


def test_a_rerun_serves_streams_kept_without_frames_to_each_sdk_as_recorded(tmp_path: Path) -> None:
    first = recorded(tmp_path, "streams_app.py", APP)
    assert "http requests: 8" in first.stdout and len(said(first.stdout)) == 8
    [trace] = (tmp_path / "recorded").glob("*.jsonl")
    events = [compacted(orjson.loads(line)) for line in trace.read_bytes().splitlines()]
    ends = [event for event in events if event["event_type"] == "llm_call_end"]
    assert len(ends) == 8 and all("frames" not in event["outputs"]["return"] for event in ends)
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / trace.name).write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))

    # rewritten by the test, the kept trace is no longer the one written here: its plain tools run only with --yes
    again = command("replay", "kept", "--rerun", "-o", "new", "--yes", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert said(again.stdout) == said(first.stdout)
    assert "http requests: 0" in again.stdout and "[nonce " in said(again.stdout)[0]
