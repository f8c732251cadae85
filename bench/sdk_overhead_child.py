"""The timed child of bench/sdk_overhead.py: one SDK in one process, its batches of calls against the stub.

    python bench/sdk_overhead_child.py SPEC_JSON     # run by sdk_overhead.py, one process per SDK, kind and repeat

A plain child never imports namel3ss_debug; an instrumented one calls `namel3ss_debug.instrument([SDK])`
(which cannot be undone in a process) and alternates pass-through batches (no run active) with traced
ones (each a run of its own, timed with its flush, its trace checked). Prints one JSON object on stdout.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

MODES = ("create", "stream")
MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-haiku-4-5"}  # not deprecated: no warning a call
SPAN_NAMES = {"openai": "openai.chat", "anthropic": "anthropic.messages"}
WORDS = ("the deployment window moved to Thursday night because the rollback plan needs a second reviewer "
         "and the cache layer was added to cut p95 latency on the search endpoint while batch mode trades "
         "freshness for throughput so results refresh every fifteen minutes and the rate limit applies per "
         "key not per user which explains the errors seen last week").split()


def message(i: int) -> str:
    """The user message of call `i`: 50 words, different for every call."""
    return f"Call {i}: " + " ".join(WORDS[(i + k) % len(WORDS)] for k in range(48))


def child_main(spec: dict[str, Any]) -> None:
    """One SDK in one process: the batches of `spec`, each `calls` calls; prints JSON on stdout."""
    os.environ["NAMEL3SS_DEBUG_ENABLED"] = "0"  # nothing starts at import; configure() starts each run
    root = Path(spec["root"])
    os.chdir(root)
    sdk, instrumented, calls, warmup = spec["sdk"], spec["instrumented"], spec["calls"], spec["warmup"]
    if instrumented:
        import namel3ss_debug  # noqa: PLC0415 - the plain child must never import it

        namel3ss_debug.instrument([sdk])
    functions = sdk_functions(sdk, spec["url"])
    wrapped = bool(getattr(functions["hook"], "__namel3ss_debug__", False))
    if wrapped != instrumented or (not instrumented and "namel3ss_debug" in sys.modules):
        raise SystemExit(f"{sdk}: create is {'' if wrapped else 'not '}wrapped in a child that should "
                         f"{'' if instrumented else 'not '}be instrumented")
    kinds = ("passthrough", "traced") if instrumented else ("plain",)
    batches = [(kind, mode) for kind in kinds for mode in MODES]
    shift = spec["shift"] % len(batches)
    batches = batches[shift:] + batches[:shift]
    out: dict[str, Any] = {"ns_per_call": {}, "cpu_ns_per_call": {}, "bytes_per_call": {}, "items": {}}
    # Every child makes as many calls before it measures: `warmup` per mode, then as many again (in a
    # run of their own in the instrumented child, which warms the traced path too).
    for mode in MODES:
        for i in range(warmup):
            check_reply(functions[mode](message(i)), i, mode)
    if instrumented:
        tracer = namel3ss_debug.get_tracer()
        traced_batch(functions, sdk, root / "warm", warmup, check=False)
        out["empty_run_bytes"] = traced_batch(functions, sdk, root / "empty", 0, check=False)["bytes"]
        out["wrapper_ns_added"] = wrapper_cost()
    else:
        for mode in MODES:
            for i in range(warmup):
                check_reply(functions[mode](message(i)), i, mode)
    for kind, mode in batches:
        if kind == "traced":
            result = traced_batch(functions, sdk, root / f"run-{mode}", calls, mode=mode)
            out["ns_per_call"][f"traced/{mode}"] = result["ns"] / calls
            out["cpu_ns_per_call"][f"traced/{mode}"] = result["cpu_ns"] / calls
            out["bytes_per_call"][mode] = (result["bytes"] - out["empty_run_bytes"]) / calls
            out["items"][mode] = result["items"]
            out["errors"] = out.get("errors", 0) + result["errors"]
        else:
            if instrumented and tracer.active:
                raise SystemExit("a run is active in a pass-through batch")
            wall_ns, cpu_ns = timed_calls(functions[mode], calls, mode)
            out["ns_per_call"][f"{kind}/{mode}"] = wall_ns / calls
            out["cpu_ns_per_call"][f"{kind}/{mode}"] = cpu_ns / calls
    print(json.dumps(out))


def sdk_functions(sdk: str, url: str) -> dict[str, Any]:
    """`create(text)` and `stream(text)`: one call each, returning the reply's text; `hook` the method wrapped."""
    model = MODELS[sdk]
    if sdk == "openai":
        import openai  # noqa: PLC0415
        from openai.resources.chat.completions import Completions  # noqa: PLC0415

        client = openai.OpenAI(base_url=url + "/v1", api_key="sk-bench", max_retries=0)

        def create(text: str) -> str:
            reply = client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}])
            return reply.choices[0].message.content

        def stream(text: str) -> str:
            parts = []
            for chunk in client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}],
                                                        stream=True):
                if chunk.choices and chunk.choices[0].delta.content:
                    parts.append(chunk.choices[0].delta.content)
            return "".join(parts)

        return {"create": create, "stream": stream, "hook": Completions.create}
    import anthropic  # noqa: PLC0415
    from anthropic.resources.messages import Messages  # noqa: PLC0415

    client = anthropic.Anthropic(base_url=url, api_key="sk-bench", max_retries=0)

    def create(text: str) -> str:
        reply = client.messages.create(model=model, max_tokens=512, messages=[{"role": "user", "content": text}])
        return reply.content[0].text

    def stream(text: str) -> str:
        parts = []
        for event in client.messages.create(model=model, max_tokens=512, stream=True,
                                            messages=[{"role": "user", "content": text}]):
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                parts.append(event.delta.text)
        return "".join(parts)

    return {"create": create, "stream": stream, "hook": Messages.create}


def check_reply(text: str, i: int, mode: str) -> None:
    if text != "Echo: " + message(i):
        raise SystemExit(f"{mode}: call {i} got {text[:80]!r}, expected the stub's echo")


def timed_calls(function: Any, calls: int, mode: str, then: Any = None) -> tuple[int, int]:
    """Wall and CPU nanoseconds (the process's, all threads) for `calls` calls and `then()` (the traced
    batches' flush); every reply is checked inside the loop, the same for every line."""
    texts = [message(i) for i in range(calls)]
    expected = ["Echo: " + text for text in texts]
    gc.collect()
    cpu, began = time.process_time_ns(), time.perf_counter_ns()
    for text, wanted in zip(texts, expected):
        if function(text) != wanted:
            raise SystemExit(f"{mode}: a reply is not the stub's echo")
    if then is not None:
        then()
    return time.perf_counter_ns() - began, time.process_time_ns() - cpu


def traced_batch(functions: dict[str, Any], sdk: str, directory: Path, calls: int, *,
                 mode: str | None = None, check: bool = True) -> dict[str, Any]:
    """`calls` calls in one run of their own (both modes when `mode` is None): time, bytes, checks."""
    import namel3ss_debug  # noqa: PLC0415

    directory.mkdir(parents=True)
    tracer = namel3ss_debug.configure(enabled=True, trace_output_dir=str(directory))
    if not tracer.active:
        raise SystemExit("configure(enabled=True) started no run")
    elapsed = cpu = 0
    for each in ([mode] if mode else MODES) if calls else ():
        wall_ns, cpu_ns = timed_calls(functions[each], calls, each, then=tracer.flush)
        elapsed, cpu = elapsed + wall_ns, cpu + cpu_ns
    run = tracer.end_run()
    files = [path for path in directory.rglob("*") if path.is_file()]
    result = {"ns": elapsed, "cpu_ns": cpu, "bytes": sum(path.stat().st_size for path in files),
              "errors": run.recorder.errors, "items": check_trace(files, sdk, calls, mode) if check else None}
    for path in files:
        path.unlink()
    return result


def check_trace(files: list[Path], sdk: str, calls: int, mode: str) -> int | None:
    """One completed `llm_call_end` a call with the reply's text; returns the items of a stream."""
    import orjson  # noqa: PLC0415 - a dependency of namel3ss_debug

    ends = [event for path in sorted(files) if path.suffix == ".jsonl"
            for event in map(orjson.loads, path.read_bytes().splitlines())
            if event.get("event_type") == "llm_call_end"]
    good = [e for e in ends if e.get("name") == SPAN_NAMES[sdk] and e.get("status") == "completed"]
    if len(good) != calls or len(ends) != calls:
        raise SystemExit(f"{sdk} {mode}: {len(good)} completed llm_call_end of {len(ends)}, expected {calls}")
    last = good[-1].get("outputs") or {}
    if last.get("text") != "Echo: " + message(calls - 1):
        raise SystemExit(f"{sdk} {mode}: the last span's text is {str(last.get('text'))[:80]!r}")
    if mode == "stream":
        counts = {(e.get("outputs") or {}).get("yield_count") for e in good}
        words = len(last["text"].split(" "))
        if len(counts) != 1 or any(not isinstance(count, int) or count < words for count in counts):
            raise SystemExit(f"{sdk} stream: yield counts {counts}, expected one item a word ({words}) and a few more")
        return counts.pop()
    return None


def wrapper_cost(loops: int = 50_000) -> float:
    """The wrapper alone, no run active: ns a call added to a bare `create(self, **kwargs)`, no HTTP."""
    from namel3ss_debug.integrations.sdk_calls import sync_create  # noqa: PLC0415

    def bare(self: Any, *args: Any, **kwargs: Any) -> None:
        return None

    wrapped = sync_create(bare, None)
    messages = [{"role": "user", "content": message(0)}]
    runs: dict[Any, list[int]] = {bare: [], wrapped: []}
    for _ in range(3):
        for function in (bare, wrapped):
            began = time.perf_counter_ns()
            for _ in range(loops):
                function(None, model="m", messages=messages)
            runs[function].append(time.perf_counter_ns() - began)
    return (min(runs[wrapped]) - min(runs[bare])) / loops


if __name__ == "__main__":
    child_main(json.loads(sys.argv[1]))
