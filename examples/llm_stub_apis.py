"""The answers of examples/llm_stub_server.py, one builder per API, in the wire format each SDK parses.

Every API shares one conversation rule (`reply`): with tools offered and no tool result yet, ask for
the first tool with `{"city": <last word of the question>}` (its first parameter, for a tool that takes
no `city`); otherwise say `Echo: <last user text>`
(a tool result is quoted), with ` [nonce <hex>]` appended when the server was made `fresh`.
A builder turns a request into a `Reply`: the whole body, the same answer as stream chunks, how the
chunks are framed on the wire, and a record of what was said, for `StubServer.answers`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from dataclasses import dataclass
from typing import Any, Callable

CREATED = 1700000000  # every answer's timestamp: the stub's bodies are the same run after run
Tool = dict[str, Any]
OBSERVATION = "Observation:"


# -- the conversation's answer ---------------------------------------------------------------------
def text_of(content: Any) -> str:
    """The text of a message's content: a string, or the text parts of a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [part.get("text") or part.get("content") or "" for part in content if isinstance(part, dict)]
        return " ".join(text_of(part) for part in parts)
    return ""


def is_tool_result(message: dict[str, Any]) -> bool:
    """A tool's result: a `tool` message, Anthropic `tool_result` parts, or a user message that opens with
    `Observation:` (smolagents' ToolCallingAgent hands results back so, its calls in the assistant's text)."""
    if message.get("role") == "tool":
        return True
    if message.get("role") == "user" and text_of(message.get("content")).startswith(OBSERVATION):
        return True
    content = message.get("content")
    return isinstance(content, list) and any(isinstance(p, dict) and p.get("type") == "tool_result" for p in content)


def reply(messages: list[dict[str, Any]], tools: list[Tool], nonce: str = "") -> tuple[str, Tool | None]:
    """The reply text, or a tool call `{"name", "arguments", "id"}` when a tool should be asked for first:
    the offered tools are asked for one at a time, in order, one more for each tool result the
    conversation holds (the id is the same for the same question, tool and turn, whatever the API).

    `messages` are chat messages (role, content); a message with role `tool` or Anthropic
    `tool_result` parts is a tool's result. `nonce`, when given, ends the text, never a tool call.
    """
    tool_results = [m for m in messages if is_tool_result(m)]
    user = [m for m in messages if m.get("role") == "user" and not is_tool_result(m)]
    question = text_of(user[-1].get("content")) if user else ""
    suffix = f" [nonce {nonce}]" if nonce else ""
    if len(tool_results) < len(tools):  # each offered tool once, in order, then the answer
        words = question.rstrip("?!. ").split()
        number = len(tool_results)
        name = tool_name(tools[number])
        digest = hashlib.sha1(f"{question}\n{name}".encode()).hexdigest()[:8]
        arguments = {argument_name(tools[number]): words[-1] if words else ""}
        return "", {"name": name, "arguments": arguments, "id": f"stub{digest}{number + 1}"}
    if tool_results:
        return f"Echo: {question} (tool said: {text_of(tool_results[-1].get('content'))}){suffix}", None
    return f"Echo: {question}{suffix}", None


def argument_name(tool: Tool) -> str:
    """`city`, unless the tool's parameters (in any API's shape) name others and not it: then the first
    (smolagents' `final_answer` takes `answer`)."""
    declarations = tool.get("functionDeclarations") or tool.get("function_declarations") or [{}]
    schema = (tool.get("parameters") or (tool.get("function") or {}).get("parameters") or tool.get("input_schema")
              or declarations[0].get("parameters") or {})
    names = list(schema.get("properties") or {}) if isinstance(schema, dict) else []
    return names[0] if names and "city" not in names else "city"


def tool_name(tool: Tool) -> str:
    """The name of an offered tool, in any API's shape (OpenAI chat nests it under `function`)."""
    declarations = tool.get("functionDeclarations") or tool.get("function_declarations") or [{}]
    return tool.get("name") or (tool.get("function") or {}).get("name") or declarations[0].get("name") or "tool"


def words(text: str) -> list[str]:
    """The text cut into words, each but the last with its space: the deltas of a stream."""
    pieces = text.split(" ")
    return [piece + (" " if i < len(pieces) - 1 else "") for i, piece in enumerate(pieces)]


def usage(messages: list[dict[str, Any]], text: str) -> tuple[int, int]:
    """(input tokens, output tokens), counted in words."""
    prompt = sum(len(text_of(m.get("content")).split()) for m in messages) + 3
    return prompt, max(1, len(text.split()))


@dataclass
class Reply:
    """One answer: `body` whole, `chunks` streamed, framed as `framing` says ("sse": data lines only;
    "sse+done": then `data: [DONE]`; "sse-named": each with an `event: <type>` line; "ndjson": one
    JSON object a line), and `said`: what the answer says, as `StubServer.answers` records it."""

    body: Any
    chunks: list[dict[str, Any]]
    framing: str
    said: dict[str, Any]


def _said(text: str, tool: Tool | None, prompt: int, completion: int) -> dict[str, Any]:
    return {"text": text if tool is None else None, "tool_call": tool,
            "input_tokens": prompt, "output_tokens": completion}


def _conversation(messages: list[dict[str, Any]], tools: list[Tool], nonce: str) -> tuple[str, Tool | None, int, int]:
    text, tool = reply(messages, tools, nonce)
    prompt, completion = usage(messages, text or "tool")
    return text, tool, prompt, completion


# -- OpenAI chat completions -----------------------------------------------------------------------------
def openai_chat(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /v1/chat/completions`: the completion, and the chunks of the same completion streamed."""
    text, tool, prompt, completion = _conversation(request.get("messages") or [], request.get("tools") or [], nonce)
    base = {"id": "chatcmpl-stub1", "created": CREATED, "model": model, "system_fingerprint": "fp_stub"}
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    finish = "stop"
    if tool is not None:
        message["tool_calls"] = [{"id": "call_" + tool["id"], "type": "function",
                                  "function": {"name": tool["name"], "arguments": json.dumps(tool["arguments"])}}]
        finish = "tool_calls"
    usage_body = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    body = {**base, "object": "chat.completion", "usage": usage_body,
            "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]}
    deltas: list[dict[str, Any]] = [{"role": "assistant", "content": ""}]
    deltas += [{"content": word} for word in (words(text) if text else [])]
    if tool is not None:
        deltas.append({"tool_calls": [{"index": 0, **message["tool_calls"][0]}]})
    chunks = [{**base, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": d, "finish_reason": None}]}
              for d in deltas]
    chunks.append({**base, "object": "chat.completion.chunk",
                   "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    if (request.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "object": "chat.completion.chunk", "choices": [], "usage": usage_body})
    return Reply(body, chunks, "sse+done", _said(text, tool, prompt, completion))


# -- OpenAI legacy completions and embeddings ------------------------------------------------------------
def openai_completions(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /v1/completions`: one choice per prompt (a string or a list of strings)."""
    prompt = request.get("prompt") or ""
    prompts = [prompt] if isinstance(prompt, str) else [p for p in prompt if isinstance(p, str)]
    texts = [reply([{"role": "user", "content": p}], [], nonce)[0] for p in prompts]
    tokens_in = sum(len(p.split()) for p in prompts) + 3
    tokens_out = sum(max(1, len(t.split())) for t in texts)
    base = {"id": "cmpl-stub1", "object": "text_completion", "created": CREATED, "model": model}
    choices = [{"index": i, "text": t, "logprobs": None, "finish_reason": "stop"} for i, t in enumerate(texts)]
    usage_body = {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}
    chunks = [{**base, "choices": [{"index": i, "text": w, "logprobs": None, "finish_reason": None}]}
              for i, t in enumerate(texts) for w in words(t)]
    chunks += [{**base, "choices": [{"index": i, "text": "", "logprobs": None, "finish_reason": "stop"}]}
               for i in range(len(texts))]
    if (request.get("stream_options") or {}).get("include_usage"):
        chunks.append({**base, "choices": [], "usage": usage_body})
    return Reply({**base, "choices": choices, "usage": usage_body}, chunks, "sse+done",
                 _said("\n".join(texts), None, tokens_in, tokens_out))


def vector(text: str) -> list[float]:
    """Eight floats in [-1, 1), the same for the same text."""
    return [(byte - 128) / 128 for byte in hashlib.sha256(text.encode()).digest()[:8]]


def openai_embeddings(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /v1/embeddings`: one vector per input, as floats or (the openai SDK's default) base64."""
    given = request.get("input") or ""
    inputs = [given] if isinstance(given, str) else [str(i) for i in given]
    as_base64 = request.get("encoding_format") == "base64"
    data = []
    for index, text in enumerate(inputs):
        floats = vector(text)
        embedding: Any = base64.b64encode(struct.pack(f"<{len(floats)}f", *floats)).decode() if as_base64 else floats
        data.append({"object": "embedding", "index": index, "embedding": embedding})
    tokens = sum(len(text.split()) for text in inputs)
    body = {"object": "list", "data": data, "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}
    return Reply(body, [], "sse", {"text": None, "tool_call": None, "input_tokens": tokens, "output_tokens": 0})


# -- OpenAI Responses ----------------------------------------------------------------------------------
def responses_messages(given: Any) -> list[dict[str, Any]]:
    """The Responses API's `input` (a string or input items) as chat messages: a
    `function_call_output` item is a tool's result; the model's own items are left out."""
    if isinstance(given, str):
        return [{"role": "user", "content": given}]
    messages = []
    for item in given or []:
        if item.get("type") == "function_call_output":
            messages.append({"role": "tool", "content": item.get("output")})
        elif item.get("role"):
            messages.append({"role": item["role"], "content": item.get("content")})
    return messages


def openai_responses(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /v1/responses`: the Response, and the events that stream the same Response."""
    messages = responses_messages(request.get("input"))
    tools = [t for t in request.get("tools") or [] if t.get("type") == "function"]
    text, tool, prompt, completion = _conversation(messages, tools, nonce)
    if tool is None:
        item: dict[str, Any] = {"id": "msg_stub1", "type": "message", "status": "completed", "role": "assistant",
                                "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}
    else:
        item = {"id": "fc_stub1", "type": "function_call", "status": "completed", "call_id": "call_" + tool["id"],
                "name": tool["name"], "arguments": json.dumps(tool["arguments"])}
    response = {
        "id": "resp_stub1", "object": "response", "created_at": CREATED, "completed_at": CREATED,
        "status": "completed", "model": model, "output": [item], "error": None, "incomplete_details": None,
        "instructions": request.get("instructions"), "metadata": request.get("metadata") or {},
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "tool_choice": request.get("tool_choice") or "auto", "tools": request.get("tools") or [],
        "temperature": request.get("temperature", 1.0), "top_p": request.get("top_p", 1.0),
        "previous_response_id": request.get("previous_response_id"), "reasoning": {"effort": None, "summary": None},
        "text": {"format": {"type": "text"}}, "truncation": "disabled", "store": request.get("store", True),
        "usage": {"input_tokens": prompt, "output_tokens": completion, "total_tokens": prompt + completion,
                  "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 0}}}
    events = _responses_events(response, item)
    return Reply(response, events, "sse-named", _said(text, tool, prompt, completion))


def _responses_events(response: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    """response.created ... response.completed, numbered by `sequence_number` as the API numbers them."""
    started = {**response, "status": "in_progress", "output": [], "usage": None, "completed_at": None}
    at = {"item_id": item["id"], "output_index": 0}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": started}, {"type": "response.in_progress", "response": started}]
    if item["type"] == "message":
        part = item["content"][0]
        text = part["text"]
        events.append({"type": "response.output_item.added", "output_index": 0,
                       "item": {**item, "status": "in_progress", "content": []}})
        events.append({"type": "response.content_part.added", **at, "content_index": 0,
                       "part": {**part, "text": ""}})
        events += [{"type": "response.output_text.delta", **at, "content_index": 0, "delta": word, "logprobs": []}
                   for word in words(text)]
        events.append({"type": "response.output_text.done", **at, "content_index": 0, "text": text, "logprobs": []})
        events.append({"type": "response.content_part.done", **at, "content_index": 0, "part": part})
    else:
        events.append({"type": "response.output_item.added", "output_index": 0,
                       "item": {**item, "status": "in_progress", "arguments": ""}})
        events.append({"type": "response.function_call_arguments.delta", **at, "delta": item["arguments"]})
        events.append({"type": "response.function_call_arguments.done", **at, "arguments": item["arguments"]})
    events.append({"type": "response.output_item.done", "output_index": 0, "item": item})
    events.append({"type": "response.completed", "response": response})
    return [{**event, "sequence_number": number} for number, event in enumerate(events)]


# -- Anthropic -------------------------------------------------------------------------------------------
def anthropic_messages(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /v1/messages` (also `?beta=true`): the message, and its stream of named events."""
    text, tool, prompt, completion = _conversation(request.get("messages") or [], request.get("tools") or [], nonce)
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    if tool is not None:
        content.append({"type": "tool_use", "id": "toolu_" + tool["id"], "name": tool["name"],
                        "input": tool["arguments"]})
    stop = "tool_use" if tool is not None else "end_turn"
    body = {"id": "msg_stub1", "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": completion}}
    events: list[dict[str, Any]] = [{"type": "message_start", "message": {
        **body, "content": [], "stop_reason": None, "usage": {"input_tokens": prompt, "output_tokens": 1}}}]
    for index, block in enumerate(content):
        if block["type"] == "text":
            events.append({"type": "content_block_start", "index": index,
                           "content_block": {"type": "text", "text": ""}})
            events.extend({"type": "content_block_delta", "index": index,
                           "delta": {"type": "text_delta", "text": word}} for word in words(text))
        else:
            events.append({"type": "content_block_start", "index": index, "content_block": {**block, "input": {}}})
            events.append({"type": "content_block_delta", "index": index,
                           "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}})
        events.append({"type": "content_block_stop", "index": index})
    events.append({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                   "usage": {"output_tokens": completion}})
    events.append({"type": "message_stop"})
    return Reply(body, events, "sse-named", _said(text, tool, prompt, completion))


# -- Google Gemini ---------------------------------------------------------------------------------------
def gemini_messages(contents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Gemini `contents` as chat messages: a content with a `functionResponse` part is a tool's result."""
    messages = []
    for content in contents or []:
        parts = content.get("parts") or []
        results = [p.get("functionResponse") or p.get("function_response") for p in parts
                   if p.get("functionResponse") or p.get("function_response")]
        if results:
            messages.append({"role": "tool", "content": json.dumps(results[-1].get("response"))})
        else:
            role = "assistant" if content.get("role") == "model" else "user"
            messages.append({"role": role, "content": " ".join(p["text"] for p in parts if "text" in p)})
    return messages


def gemini_generate(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /v1beta/models/{model}:generateContent` (or `/v1/`), and `:streamGenerateContent`'s chunks."""
    # each function declaration is a tool offered (google-genai puts all of an app's functions in one Tool)
    tools = [declaration for t in request.get("tools") or []
             for declaration in t.get("functionDeclarations") or t.get("function_declarations") or []]
    text, tool, prompt, completion = _conversation(gemini_messages(request.get("contents") or []), tools, nonce)
    metadata = {"promptTokenCount": prompt, "candidatesTokenCount": completion, "totalTokenCount": prompt + completion}
    base = {"modelVersion": model, "responseId": "stub-response-1"}

    def chunk(parts: list[dict[str, Any]], last: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}, "index": 0}
        if last:
            candidate["finishReason"] = "STOP"
        # as Gemini streams: each chunk counts the prompt, the last one the answer too
        counted = metadata if last else {"promptTokenCount": prompt, "totalTokenCount": prompt}
        return {"candidates": [candidate], "usageMetadata": counted, **base}

    parts = [{"functionCall": {"name": tool["name"], "args": tool["arguments"]}}] if tool else [{"text": text}]
    pieces = [[part] for part in parts] if tool else [[{"text": word}] for word in words(text)]
    chunks = [chunk(piece, last=i == len(pieces) - 1) for i, piece in enumerate(pieces)]
    return Reply(chunk(parts, last=True), chunks, "sse", _said(text, tool, prompt, completion))


# -- Ollama ----------------------------------------------------------------------------------------------
def _ollama_done(model: str, prompt: int, completion: int) -> dict[str, Any]:
    return {"model": model, "created_at": "2023-11-14T22:13:20Z", "done": True, "done_reason": "stop",
            "total_duration": 1000, "load_duration": 0, "prompt_eval_count": prompt, "prompt_eval_duration": 0,
            "eval_count": completion, "eval_duration": 0}


def ollama_chat(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /api/chat`: the message, and the same message as newline-delimited JSON."""
    text, tool, prompt, completion = _conversation(request.get("messages") or [], request.get("tools") or [], nonce)
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool is not None:
        message["tool_calls"] = [{"function": {"name": tool["name"], "arguments": tool["arguments"]}}]
    done = _ollama_done(model, prompt, completion)
    chunks = [{"model": model, "created_at": done["created_at"], "done": False,
               "message": {"role": "assistant", "content": word}} for word in (words(text) if text else [])]
    if tool is not None:
        chunks.append({"model": model, "created_at": done["created_at"], "done": False, "message": message})
    chunks.append({**done, "message": {"role": "assistant", "content": ""}})
    return Reply({**done, "message": message}, chunks, "ndjson", _said(text, tool, prompt, completion))


def ollama_generate(request: dict[str, Any], model: str, nonce: str) -> Reply:
    """`POST /api/generate`: the prompt's answer, and the same answer as newline-delimited JSON."""
    text, _, prompt, completion = _conversation([{"role": "user", "content": request.get("prompt") or ""}], [], nonce)
    done = _ollama_done(model, prompt, completion)
    chunks = [{"model": model, "created_at": done["created_at"], "response": word, "done": False}
              for word in words(text)]
    chunks.append({**done, "response": "", "context": []})
    return Reply({**done, "response": text, "context": []}, chunks, "ndjson", _said(text, None, prompt, completion))


# -- routing and errors ----------------------------------------------------------------------------------
def openai_error(status: int, kind: str, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": kind}}


def _anthropic_error(status: int, kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


_GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
                  503: "UNAVAILABLE"}


def _gemini_error(status: int, kind: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": _GOOGLE_STATUS.get(status, "UNKNOWN")}}


def _ollama_error(status: int, kind: str, message: str) -> dict[str, Any]:
    return {"error": message}


@dataclass(frozen=True)
class Api:
    """One API the stub answers: its builder, its error bodies and the words of its refusals."""

    name: str
    build: Callable[[dict[str, Any], str, str], Reply]
    error: Callable[[int, str, str], dict[str, Any]] = openai_error
    unauthorized: str = "Incorrect API key provided"
    overloaded: int = 503  # the status of an `overloaded` model
    stream_default: bool = False  # Ollama streams unless told `"stream": false`


@dataclass(frozen=True)
class Route:
    """Where a path leads: the API, the model the path names ("" unless Gemini's), and whether the
    path asks for a stream (None: the body's `stream` says)."""

    api: Api
    model: str = ""
    streamed: bool | None = None

    def streams(self, request: dict[str, Any]) -> bool:
        if self.streamed is not None:
            return self.streamed
        return bool(request.get("stream", self.api.stream_default))


_ANTHROPIC = Api("anthropic.messages", anthropic_messages, _anthropic_error, "invalid x-api-key", overloaded=529)
_ROUTES = {
    "/v1/chat/completions": Route(Api("openai.chat", openai_chat)),
    "/v1/completions": Route(Api("openai.completions", openai_completions)),
    "/v1/embeddings": Route(Api("openai.embeddings", openai_embeddings)),
    "/v1/responses": Route(Api("openai.responses", openai_responses)),
    "/v1/messages": Route(_ANTHROPIC),
    "/api/chat": Route(Api("ollama.chat", ollama_chat, _ollama_error, stream_default=True)),
    "/api/generate": Route(Api("ollama.generate", ollama_generate, _ollama_error, stream_default=True)),
}
_GEMINI = Api("gemini", gemini_generate, _gemini_error, "API key not valid. Please pass a valid API key.")
_GEMINI_PATH = re.compile(r"/v1(?:beta|alpha)?/models/(?P<model>[^/:]+)"
                          r":(?P<method>generateContent|streamGenerateContent)")


def route(path: str) -> Route | None:
    """The route of `path` (without its query), or None when no API answers it."""
    path = path.rstrip("/")
    match = _GEMINI_PATH.fullmatch(path)
    if match:
        return Route(_GEMINI, match["model"], match["method"] == "streamGenerateContent")
    return _ROUTES.get(path)
