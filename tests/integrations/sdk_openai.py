"""The openai SDK's app for the SDK tests (see sdk_support.py), and what it asks and gets.

The app prints what it got from the SDK (`label: value` lines), so a test compares the trace with
what the app saw, and a rerun's output with the recorded run's.
"""

from __future__ import annotations

from typing import Any

from sdk_support import Failure, PlainCall, Sdk

NAME = "openai.chat"
QUESTION = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is the capital of France"}]
TOOLS = [{"type": "function", "function": {"name": "weather", "description": "The weather in a city.",
                                            "parameters": {"type": "object",
                                                           "properties": {"city": {"type": "string"}}}}}]

CLIENTS = """
import asyncio, gc, os
import openai

URL, KEY = os.environ["STUB_URL"] + "/v1", os.environ["STUB_KEY"]
client = openai.OpenAI(base_url=URL, api_key=KEY, max_retries=0)

def url(name):  # another server's, in the recording; a rerun reaches none
    return os.environ.get(name, os.environ["STUB_URL"]) + "/v1"

def user(text):
    return [{"role": "user", "content": text}]
"""

# The calls, in order: 0 plain, 1 tools, 2 stream with usage, 3 key in default_headers, 4 key in
# extra_headers, 5 with_raw_response, 6 the `chat.completions.stream()` helper, 7 async plain,
# 8 async stream, 9 the key from OPENAI_API_KEY, as most apps have it.
MAIN = f"""
QUESTION, TOOLS = {QUESTION!r}, {TOOLS!r}

reply = client.chat.completions.create(model="gpt-stub", messages=QUESTION, temperature=0.2, max_tokens=50)
print("sync text:", reply.choices[0].message.content)
print("sync repr:", repr(reply))
print("sync json:", reply.model_dump_json())

asked = client.chat.completions.create(model="gpt-stub", messages=user("Weather in Paris"), tools=TOOLS)
call = asked.choices[0].message.tool_calls[0]
print("tool call:", call.id, call.function.name, call.function.arguments)

pieces = []
for chunk in client.chat.completions.create(model="gpt-stub", messages=user("Tell me a short story"), stream=True,
                                            stream_options={{"include_usage": True}}):
    print("stream chunk:", repr(chunk))
    pieces.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
print("stream text:", "".join(pieces))

by_default = openai.OpenAI(base_url=URL, api_key="placeholder", max_retries=0,
                           default_headers={{"Authorization": "Bearer " + KEY}})
print("default_headers text:", by_default.chat.completions.create(
    model="gpt-stub", messages=user("key in default headers")).choices[0].message.content)
by_extra = openai.OpenAI(base_url=URL, api_key="placeholder", max_retries=0)
print("extra_headers text:", by_extra.chat.completions.create(
    model="gpt-stub", messages=user("key in extra headers"),
    extra_headers={{"Authorization": "Bearer " + KEY}}).choices[0].message.content)

raw = client.chat.completions.with_raw_response.create(model="gpt-stub", messages=user("raw please"))
print("raw status:", raw.http_response.status_code, raw.headers.get("content-type"))
print("raw repr:", repr(raw.parse()))

with client.chat.completions.stream(model="gpt-stub", messages=user("Use the helper")) as helper:
    print("helper events:", " ".join(event.type for event in helper))
    print("helper final:", repr(helper.get_final_completion()))

async def main():
    aclient = openai.AsyncOpenAI(base_url=URL, api_key=KEY, max_retries=0)
    reply = await aclient.chat.completions.create(model="gpt-stub-async", messages=QUESTION, temperature=0.7)
    print("async text:", reply.choices[0].message.content)
    print("async repr:", repr(reply))
    print("async json:", reply.model_dump_json())
    pieces = []
    async for chunk in await aclient.chat.completions.create(model="gpt-stub-async",
                                                             messages=user("Stream it async"), stream=True):
        print("async_stream chunk:", repr(chunk))
        pieces.append(chunk.choices[0].delta.content or "" if chunk.choices else "")
    print("async_stream text:", "".join(pieces))
    await aclient.close()

asyncio.run(main())

from_environment = openai.OpenAI(base_url=URL, max_retries=0)
print("env_key text:", from_environment.chat.completions.create(
    model="gpt-stub", messages=user("key from the environment")).choices[0].message.content)
"""

# 0-4 fail (429, 401, 503, refused, timeout), 5 is a stream whose server breaks it midway.
ERRORS = """
def attempt(label, client, model):
    try:
        print(label + ":", "answered", client.chat.completions.create(model=model, messages=user("hi"))
              .choices[0].message.content)
    except openai.APIError as error:
        print(label + ":", type(error).__module__ + "." + type(error).__qualname__)

attempt("429", client, "rate-limited")
attempt("401", openai.OpenAI(base_url=URL, api_key="sk-wrong", max_retries=0), "gpt-stub")
attempt("503", client, "overloaded")
attempt("refused", openai.OpenAI(base_url=url("DEAD_URL"), api_key=KEY, max_retries=0), "gpt-stub")
attempt("timeout", openai.OpenAI(base_url=URL, api_key=KEY, timeout=0.5, max_retries=0), "slow")

broken = openai.OpenAI(base_url=url("BROKEN_URL"), api_key=KEY, max_retries=0)
try:
    for chunk in broken.chat.completions.create(model="gpt-stub", messages=user("hi"), stream=True):
        print("broken chunk:", chunk.choices[0].delta.content)
except openai.APIError as error:
    print("broken:", type(error).__module__ + "." + type(error).__qualname__)
"""

# Streams from a server that stalls after a few chunks, so the app closes them before they have all
# come: 0 closed, 1 closed (async), 2 dropped unfinished, 3 closed by its `with`. The SDK's stream and
# its generator hold each other, so only the garbage collector frees a dropped one: here at the end.
EARLY = """
gc.disable()
stalled = openai.OpenAI(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)

def ask(text):
    return stalled.chat.completions.create(model="gpt-stub", messages=user(text), stream=True)

early = ask("Count to ten")
print("early chunk:", repr(next(early)))
early.close()

async def close_early():
    aclient = openai.AsyncOpenAI(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)
    early = await aclient.chat.completions.create(model="gpt-stub", messages=user("async"), stream=True)
    async for chunk in early:
        print("async_early chunk:", repr(chunk))
        break
    await early.close()

asyncio.run(close_early())

def first_word(question):  # returns out of the loop: the stream is dropped unfinished, never closed
    for chunk in ask(question):
        if chunk.choices and chunk.choices[0].delta.content:
            return chunk.choices[0].delta.content

print("dropped text:", first_word("Stop after one word"))
with ask("The last one") as last:
    print("last chunk:", repr(next(last)))
"""

FIRST_CHUNKS = [
    {"id": "chatcmpl-cut", "object": "chat.completion.chunk", "created": 1700000000, "model": "gpt-stub",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": word}, "finish_reason": None}]}
    for word in ("Half ", "an ")]

# One LLM call and one request that is not one (GET /v1/models, which the stub answers 404).
ONE_CALL_APP = CLIENTS + """
try:
    client.models.list()  # a request, not an LLM call
except openai.NotFoundError:
    print("models: not found")
print("text:", client.chat.completions.create(model="gpt-stub", messages=user("one call")).choices[0].message.content)
"""


def usage_of(body: dict[str, Any]) -> dict[str, int]:
    usage = body["usage"]
    return {"input_tokens": usage["prompt_tokens"], "output_tokens": usage["completion_tokens"],
            "total_tokens": usage["total_tokens"]}


OPENAI = Sdk(
    module="openai", name=NAME, provider="openai-compatible", app=CLIENTS + MAIN + ERRORS + EARLY,
    sizes={"main": 10, "errors": 6, "early": 4}, first_frames=FIRST_CHUNKS, key_variable="OPENAI_API_KEY",
    plain_calls=(PlainCall(0, "sync", "gpt-stub", {"model": "gpt-stub", "messages": QUESTION, "temperature": 0.2,
                                                   "max_tokens": 50}),
                 PlainCall(7, "async", "gpt-stub-async", {"model": "gpt-stub-async", "messages": QUESTION,
                                                          "temperature": 0.7})),
    endpoint=lambda server: server.openai_url + "/chat/completions",
    tools=TOOLS, finish_reasons=("stop", "tool_calls"), tool_label="tool call",
    recorded_arguments=lambda printed: printed, usage_of=usage_of,  # the arguments as the API sent them: JSON text
    failures=(Failure("429", "openai.RateLimitError", "HTTP 429", "rate_limit"),
              Failure("401", "openai.AuthenticationError", "HTTP 401", "auth"),
              Failure("503", "openai.InternalServerError", "HTTP 503", "dependency"),
              Failure("refused", "openai.APIConnectionError", "httpx2.ConnectError", "network"),
              Failure("timeout", "openai.APITimeoutError", "httpx2.ReadTimeout", "timeout")),
    early_texts=["Half "] * 4, broken_stream_error="openai.APIConnectionError",
    one_call_app=ONE_CALL_APP, other_request=("models", "/v1/models"),
)
