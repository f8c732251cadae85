"""One provider-neutral answer mocked on every LLM call of a recorded run, on the real command: an app calls
OpenAI chat, Responses, Anthropic and Gemini through their real SDKs, whole and streamed, against the stub
server on 127.0.0.1; rerun with `--mock 'llm:API={"content": ..., "tool_calls": [...]}'`, each SDK parses the
served answer into its own objects and the app prints the text and the tool call it got, with no request
reaching the stub."""

from __future__ import annotations

from pathlib import Path

from sdkapps import recorded, run

APP = '''
def show(label, text, calls):
    print(f"{label}: {text} | " + ", ".join(f"{name}({json.dumps(args, sort_keys=True)})" for name, args in calls))

with StubServer() as server:
    chat = openai.OpenAI(base_url=server.openai_url, api_key="sk-stub", max_retries=0)
    for stream in (False, True):
        if stream:
            with chat.chat.completions.stream(model="gpt-4o", messages=USER, tools=[TOOL]) as events:
                message = events.get_final_completion().choices[0].message
        else:
            message = chat.chat.completions.create(model="gpt-4o", messages=USER, tools=[TOOL]).choices[0].message
        show(f"chat stream={stream}", message.content,
             [(c.function.name, json.loads(c.function.arguments)) for c in message.tool_calls or ()])
    tool = {"type": "function", "name": "get_weather", "parameters": TOOL["function"]["parameters"]}
    for stream in (False, True):
        if stream:
            with chat.responses.stream(model="gpt-4.1", input="Weather in Paris", tools=[tool]) as events:
                response = events.get_final_response()
        else:
            response = chat.responses.create(model="gpt-4.1", input="Weather in Paris", tools=[tool])
        calls = [item for item in response.output if item.type == "function_call"]
        show(f"responses stream={stream}", response.output_text,
             [(c.name, json.loads(c.arguments)) for c in calls])
    claude = anthropic.Anthropic(base_url=server.url, api_key="sk-ant-stub", max_retries=0)
    asked = dict(model="claude-test", max_tokens=64, messages=USER,
                 tools=[{"name": "get_weather", "input_schema": TOOL["function"]["parameters"]}])
    for stream in (False, True):
        if stream:
            with claude.messages.stream(**asked) as events:
                message = events.get_final_message()
        else:
            message = claude.messages.create(**asked)
        show(f"anthropic stream={stream}", "".join(b.text for b in message.content if b.type == "text"),
             [(b.name, b.input) for b in message.content if b.type == "tool_use"])
    gemini = genai.Client(api_key="stub", http_options=genai.types.HttpOptions(base_url=server.url))
    whole = gemini.models.generate_content(model="gemini-2.5-flash", contents="Weather in Paris")
    show("gemini stream=False", whole.text, [(c.name, c.args) for c in whole.function_calls or ()])
    chunks = list(gemini.models.generate_content_stream(model="gemini-2.5-flash", contents="Weather in Paris"))
    show("gemini stream=True", "".join(c.text or "" for c in chunks),
         [(c.name, c.args) for chunk in chunks for c in chunk.function_calls or ()])
    print("http requests:", len(server.requests))
'''
ANSWER = '{"content": "Let me look.", "tool_calls": [{"name": "get_weather", "arguments": {"city": "Lisbon"}}]}'
APIS = ("openai.chat", "openai.responses", "anthropic.messages", "gemini.generate_content")


def test_one_answer_with_a_tool_call_is_each_api_s_answer_whole_and_streamed(tmp_path: Path) -> None:
    assert "http requests: 8" in recorded(tmp_path, "apis_app.py", APP).stdout
    mocks = [argument for api in APIS for argument in ("--mock", f"llm:{api}={ANSWER}")]
    done = run("replay", "recorded", "--rerun", "-o", "new", *mocks, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = [line.split(": ", 1)[1] for line in done.stdout.splitlines() if " stream=" in line]
    assert said == ['Let me look. | get_weather({"city": "Lisbon"})'] * 8, done.stdout
    assert "http requests: 0" in done.stdout
    assert "calls         8 mocked" in done.stdout
