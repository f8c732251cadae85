"""The anthropic SDK's app for the SDK tests (see sdk_support.py), and what it asks and gets.

The app prints what it got from the SDK (`label: value` lines), so a test compares the trace with
what the app saw, and a rerun's output with the recorded run's.
"""

from __future__ import annotations

import json
from typing import Any

from sdk_support import Failure, PlainCall, Sdk

NAME = "anthropic.messages"
SYSTEM = "Be brief."
QUESTION = [{"role": "user", "content": "What is the capital of France"}]
TOOLS = [{"name": "weather", "description": "The weather in a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}]

CLIENTS = """
import asyncio, gc, json, os
import anthropic

URL, KEY = os.environ["STUB_URL"], os.environ["STUB_KEY"]
client = anthropic.Anthropic(base_url=URL, api_key=KEY, max_retries=0)

def url(name):  # another server's, in the recording; a rerun reaches none
    return os.environ.get(name, URL)

def user(text):
    return [{"role": "user", "content": text}]
"""

# The calls, in order: 0 plain, 1 tools, 2 stream, 3 key in default_headers, 4 key in extra_headers,
# 5 with_raw_response, 6 beta.messages.create, 7 the `messages.stream()` helper, 8 async plain,
# 9 async stream, 10 the async helper, 11 the key from ANTHROPIC_API_KEY, as most apps have it.
MAIN = f"""
SYSTEM, QUESTION, TOOLS = {SYSTEM!r}, {QUESTION!r}, {TOOLS!r}

def text_of(event):
    if event.type == "content_block_delta" and event.delta.type == "text_delta":
        return event.delta.text
    return ""

reply = client.messages.create(model="claude-stub", max_tokens=64, system=SYSTEM, messages=QUESTION,
                               stop_sequences=["END"])
print("sync text:", reply.content[0].text)
print("sync repr:", repr(reply))
print("sync json:", reply.model_dump_json())

asked = client.messages.create(model="claude-stub", max_tokens=64, messages=user("Weather in Paris"), tools=TOOLS)
use = [block for block in asked.content if block.type == "tool_use"][0]
print("tool use:", use.id, use.name, json.dumps(use.input))

pieces = []
with client.messages.create(model="claude-stub", max_tokens=64, messages=user("Tell me a short story"),
                            stream=True) as stream:
    for event in stream:
        print("stream event:", event.model_dump_json())
        pieces.append(text_of(event))
print("stream text:", "".join(pieces))

by_default = anthropic.Anthropic(base_url=URL, api_key="placeholder", max_retries=0,
                                 default_headers={{"x-api-key": KEY}})
print("default_headers text:", by_default.messages.create(
    model="claude-stub", max_tokens=64, messages=user("key in default headers")).content[0].text)
by_extra = anthropic.Anthropic(base_url=URL, api_key="placeholder", max_retries=0)
print("extra_headers text:", by_extra.messages.create(
    model="claude-stub", max_tokens=64, messages=user("key in extra headers"),
    extra_headers={{"x-api-key": KEY}}).content[0].text)

raw = client.messages.with_raw_response.create(model="claude-stub", max_tokens=64, messages=user("raw please"))
print("raw status:", raw.http_response.status_code)
print("raw repr:", repr(raw.parse()))
print("beta repr:", repr(client.beta.messages.create(model="claude-stub", max_tokens=64, messages=user("beta"))))

with client.messages.stream(model="claude-stub", max_tokens=64, messages=user("helper sync")) as helper:
    print("helper text:", "".join(helper.text_stream))
    print("helper final:", repr(helper.get_final_message()))

async def main():
    aclient = anthropic.AsyncAnthropic(base_url=URL, api_key=KEY, max_retries=0)
    reply = await aclient.messages.create(model="claude-stub-async", max_tokens=32, system=SYSTEM,
                                          messages=QUESTION, metadata={{"user_id": "tester"}})
    print("async text:", reply.content[0].text)
    print("async repr:", repr(reply))
    print("async json:", reply.model_dump_json())
    pieces = []
    async with await aclient.messages.create(model="claude-stub-async", max_tokens=32,
                                             messages=user("Stream it async"), stream=True) as stream:
        async for event in stream:
            print("async_stream event:", event.model_dump_json())
            pieces.append(text_of(event))
    print("async_stream text:", "".join(pieces))
    async with aclient.messages.stream(model="claude-stub", max_tokens=64, messages=user("helper async")) as helper:
        print("async_helper text:", "".join([text async for text in helper.text_stream]))
        print("async_helper final:", repr(await helper.get_final_message()))
    await aclient.close()

asyncio.run(main())

from_environment = anthropic.Anthropic(base_url=URL, max_retries=0)
print("env_key text:", from_environment.messages.create(
    model="claude-stub", max_tokens=64, messages=user("key from the environment")).content[0].text)
"""

# 0-3 fail (429, 401, 529, refused), 4 is a stream whose server breaks it midway.
ERRORS = """
def attempt(label, client, model):
    try:
        print(label + ":", "answered", client.messages.create(model=model, max_tokens=16, messages=user("hi"))
              .content[0].text)
    except anthropic.APIError as error:
        print(label + ":", type(error).__module__ + "." + type(error).__qualname__)

attempt("429", client, "rate-limited")
attempt("401", anthropic.Anthropic(base_url=URL, api_key="sk-wrong", max_retries=0), "claude-stub")
attempt("529", client, "overloaded")
attempt("refused", anthropic.Anthropic(base_url=url("DEAD_URL"), api_key=KEY, max_retries=0), "claude-stub")

broken = anthropic.Anthropic(base_url=url("BROKEN_URL"), api_key=KEY, max_retries=0)
try:
    for event in broken.messages.create(model="claude-stub", max_tokens=16, messages=user("hi"), stream=True):
        print("broken event:", event.type)
except Exception as error:
    print("broken:", type(error).__module__ + "." + type(error).__qualname__)
"""

# Streams from a server that stalls after a few events, so the app closes them before they have all
# come: 0 closed, 1 closed (async), 2 dropped unfinished (async), 3 closed by its `async with`. The
# SDK's stream and its generator hold each other, so only the garbage collector (or asyncio.run's
# end) frees a dropped one.
EARLY = """
gc.disable()
stalled = anthropic.Anthropic(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)
early = stalled.messages.create(model="claude-stub", max_tokens=64, messages=user("Count to ten"), stream=True)
print("early event:", next(iter(early)).model_dump_json())
early.close()

async def close_early():
    aclient = anthropic.AsyncAnthropic(base_url=url("STALLED_URL"), api_key=KEY, max_retries=0)
    early = await aclient.messages.create(model="claude-stub", max_tokens=32, messages=user("async"), stream=True)
    async for event in early:
        print("async_early event:", event.model_dump_json())
        break
    await early.close()

    async def first_word(question):  # returns out of the loop: the stream is dropped unfinished, never closed
        stream = await aclient.messages.create(model="claude-stub", max_tokens=32, messages=user(question),
                                               stream=True)
        async for event in stream:
            if event.type == "content_block_delta":
                return event.delta.text

    print("dropped text:", await first_word("Stop after one word"))
    async with await aclient.messages.create(model="claude-stub", max_tokens=32, messages=user("The last one"),
                                             stream=True) as last:
        print("last event:", (await last.__anext__()).model_dump_json())

asyncio.run(close_early())
"""

FIRST_EVENTS = [
    {"type": "message_start", "message": {"id": "msg_cut", "type": "message", "role": "assistant", "content": [],
                                          "model": "claude-stub", "stop_reason": None, "stop_sequence": None,
                                          "usage": {"input_tokens": 3, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Half "}},
]

# One LLM call and one request that is not one (count_tokens: the stub answers 404).
ONE_CALL_APP = CLIENTS + """
try:
    client.messages.count_tokens(model="claude-stub", messages=user("count me"))
except anthropic.NotFoundError:
    print("count_tokens: not found")
print("text:", client.messages.create(model="claude-stub", max_tokens=16, messages=user("one call")).content[0].text)
"""


def usage_of(body: dict[str, Any]) -> dict[str, int]:
    usage = body["usage"]
    return {"input_tokens": usage["input_tokens"], "output_tokens": usage["output_tokens"],
            "total_tokens": usage["input_tokens"] + usage["output_tokens"]}


ANTHROPIC = Sdk(
    module="anthropic", name=NAME, provider="anthropic", app=CLIENTS + MAIN + ERRORS + EARLY,
    sizes={"main": 12, "errors": 5, "early": 4}, first_frames=FIRST_EVENTS, key_variable="ANTHROPIC_API_KEY",
    plain_calls=(PlainCall(0, "sync", "claude-stub", {"model": "claude-stub", "system": SYSTEM, "messages": QUESTION,
                                                      "max_tokens": 64, "stop_sequences": ["END"]}),
                 PlainCall(8, "async", "claude-stub-async", {"model": "claude-stub-async", "system": SYSTEM,
                                                             "messages": QUESTION, "max_tokens": 32,
                                                             "metadata": {"user_id": "tester"}})),
    endpoint=lambda server: server.url + "/v1/messages",
    tools=TOOLS, finish_reasons=("end_turn", "tool_use"), tool_label="tool use",
    recorded_arguments=json.loads, usage_of=usage_of,  # the input as the API sent it: an object
    failures=(Failure("429", "anthropic.RateLimitError", "HTTP 429", "rate_limit"),
              Failure("401", "anthropic.AuthenticationError", "HTTP 401", "auth"),
              Failure("529", "anthropic.OverloadedError", "HTTP 529", "dependency"),
              Failure("refused", "anthropic.APIConnectionError", "httpx2.ConnectError", "network")),
    early_texts=[None, None, "Half ", None], broken_stream_error="httpx2.RemoteProtocolError",
    one_call_app=ONE_CALL_APP, other_request=("count_tokens", "/v1/messages/count_tokens"),
)
