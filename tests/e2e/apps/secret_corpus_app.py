"""An app that puts made-up secrets, one per kind, in one place a tracer looks (tests/e2e/test_secret_corpus.py).

    python secret_corpus_app.py CASES.json [ARG...]

CASES.json holds {"position": NAME, "cases": [{"kind", "text", "known"}, ...]}. For each case the app first
hands `known` (values under sensitive keys, when there are any) to a traced function, then puts `text` at the
position, in a span named `POSITION.KIND`:

    prompt       the prompt argument of a @trace_llm_call function
    return       that function's return value
    exception    the message of an exception the traced function raises (the app catches it)
    nested       a field deep inside a dict and list argument, under keys that say nothing
    dict_key     a dict key
    bytes        a bytes argument
    json_string  a string of JSON that holds it (`json.dumps` of a chat message)
    span         a `span(...)` block's inputs and attrs, and an attribute set inside it
    sdk          a user message to the openai SDK's chat.completions.create, against the stub server at
                 STUB_URL (which echoes it back in its answer): one `openai.chat` span per case, in order
    argv         the texts are the app's own arguments, put there by the test: nothing more to do
    argv_flag    the same, each after a `--token` flag

Nothing secret is in this file or its arguments but the texts: the secrets come from CASES.json.
"""

import json
import os
import sys

from namel3ss_debug import span, trace_llm_call, trace_tool_call

with open(sys.argv[1], encoding="utf-8") as handle:
    plan = json.load(handle)
POSITION = plan["position"]


def traced(decorator, kind, fn):
    return decorator(name=f"{POSITION}.{kind}")(fn)


def at_prompt(kind, text):
    traced(trace_llm_call, kind, lambda prompt: "Done: I checked it.")(f"Please check this for me:\n{text}\nThanks!")


def at_return(kind, text):
    traced(trace_llm_call, kind, lambda prompt: f"Here is what I found: {text}")("What is in the config?")


def at_exception(kind, text):
    def upload(step):
        raise RuntimeError(f"step {step} failed: {text}")

    try:
        traced(trace_tool_call, kind, upload)("upload")
    except RuntimeError:
        pass


def at_nested(kind, text):
    payload = {"request": {"page": 1, "items": [{"meta": {"notes": ["first", {"body": text}]}}]}}
    traced(trace_tool_call, kind, lambda payload: "stored")(payload)


def at_dict_key(kind, text):
    traced(trace_tool_call, kind, lambda table: len(table))({text: "seen", "other": 1})


def at_bytes(kind, text):
    traced(trace_tool_call, kind, lambda data: len(data))(text.encode())


def at_json_string(kind, text):
    message = json.dumps({"role": "user", "content": text, "meta": {"source": "chat", "turn": 3}})
    traced(trace_llm_call, kind, lambda prompt: "ok")(message)


def at_span(kind, text):
    with span(f"{POSITION}.{kind}", component="tool", inputs={"document": text}, attrs={"detail": text}) as current:
        current.set_attribute("note", text)


def sdk_client():
    import openai  # noqa: PLC0415 - optional: only the sdk position needs it

    return openai.OpenAI(base_url=os.environ["STUB_URL"] + "/v1", api_key=os.environ["STUB_KEY"], max_retries=0)


def at_sdk(client):
    def ask(kind, text):
        reply = client.chat.completions.create(model="gpt-stub", messages=[{"role": "user", "content": text}])
        assert reply.choices[0].message.content, kind

    return ask


def nothing(kind, text):
    pass


def hand_over(kind, known):
    """The app hands the value to a traced function under a sensitive key before it uses it elsewhere."""
    traced(trace_tool_call, f"{kind}.login", lambda **fields: "ok")(**known)


PLACES = {"prompt": at_prompt, "return": at_return, "exception": at_exception, "nested": at_nested,
          "dict_key": at_dict_key, "bytes": at_bytes, "json_string": at_json_string, "span": at_span,
          "argv": nothing, "argv_flag": nothing}

place = at_sdk(sdk_client()) if POSITION == "sdk" else PLACES[POSITION]
for case in plan["cases"]:
    if case["known"]:
        hand_over(case["kind"], case["known"])
    place(case["kind"], case["text"])
print(f"{POSITION}: {len(plan['cases'])} cases")
