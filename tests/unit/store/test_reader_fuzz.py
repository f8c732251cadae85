"""Random damage to a trace of every format the readers take (v1, v1 gzipped, OTLP/JSON lines and document,
legacy, n3): truncations, byte flips, numbers of thousands of digits, nesting past the parsers, lone
surrogates, bad UTF-8, copies. Every reader path (dicts, records, line blocks) ends with events or one of
our errors, never another exception. No wall-clock budget: each input is under a megabyte, so a reader that loops
shows as a hung test, not as a slow one. The seeds are fixed: a failure names one."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any, Callable

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.model.errors import Namel3ssDebugError
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource

T0 = 1_700_000_000.0
# The namel3ss runtime's own trace of examples/namel3ss_app, as `n3` writes it (kept here: a run writes it only
# into the example's ignored .namel3ss/, so a clean checkout has none).
N3 = Path(__file__).parents[2] / "data" / "n3" / "plan_trip-000001.jsonl"
HOSTILE = [b"9" * 5000, b"1e400", b"-1e400", b"18446744073709551616", b"-9223372036854775809", b'"\\ud800"',
           b'"\xff\xfe"', b"[" * 3000 + b"]" * 3000, b'{"a":' * 2000 + b"1" + b"}" * 2000, b"null", b"[]", b"{}",
           b'"' + b"x" * 100_000 + b'"', b"NaN", b"-0", b"\x00", b"\xef\xbb\xbf"]
VALUES: list[Any] = [None, True, 0, -1, 2**63, 2**64, 10**30, 1e308, "", "x", "-5", "9" * 30, "\ud800", [], {},
                     {"stringValue": 5}, {"intValue": "x"}, "00000000000000a1", "0000000000000000",
                     "99999-01-01T00:00:00Z"]


def v1_run() -> bytes:
    trace = TraceBuilder()
    trace.run_start()
    agent = trace.start("agent", "researcher")
    trace.span("llm", "planner", 20.0, agent, model="gpt-4o-mini", usage={"input_tokens": 5, "output_tokens": 2})
    trace.span("tool", "search", 5.0, agent, status="failed", error={"type": "TimeoutError", "message": "slow"})
    trace.end(agent, 30.0)
    trace.run_end()
    return trace.lines()


def otlp_request() -> dict[str, Any]:
    spans = [{"traceId": "5b8efff798038103d269b633813fc60c", "spanId": f"00000000000000a{n}", "name": f"op{n}",
              "parentSpanId": f"00000000000000a{n - 1}" if n else "", "startTimeUnixNano": str(int(T0 * 1e9) + n),
              "endTimeUnixNano": str(int(T0 * 1e9) + 1000 - n), "kind": 3, "status": {"code": 2 if n == 2 else 0},
              "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                             {"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12"}},
                             {"key": "list", "value": {"arrayValue": {"values": [{"doubleValue": 0.5}]}}}],
              "events": [{"name": "exception", "timeUnixNano": str(int(T0 * 1e9) + 5),
                          "attributes": [{"key": "exception.type", "value": {"stringValue": "ValueError"}}]}]}
             for n in range(4)]
    return {"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "s"}}]},
                               "scopeSpans": [{"scope": {"name": "lib"}, "spans": spans}]}]}


def legacy_run() -> list[dict[str, Any]]:
    common = {"execution_id": "exec_1", "component": "app"}
    return [{"event_type": "app_load_start", "event_id": "a", "timestamp": T0, **common},
            {"event_type": "llm_call_start", "event_id": "l", "timestamp": T0 + 0.2, "parent_event_id": "a", **common},
            {"event_type": "llm_call_end", "event_id": "l2", "timestamp": T0 + 0.5, "parent_event_id": "l",
             "status": "failed", "error": "TimeoutError: slow", "duration_ms": 300.0, **common},
            {"event_type": "app_load_end", "event_id": "a2", "timestamp": T0 + 1.0, "status": "completed", **common}]


def bases() -> dict[str, tuple[bytes, str]]:
    lines = "".join(json.dumps(record) + "\n" for record in legacy_run()).encode()
    return {"v1": (v1_run(), ".jsonl"), "v1.gz": (v1_run(), ".jsonl.gz"),
            "otlp": ((json.dumps(otlp_request()) + "\n").encode(), ".otlp.jsonl"),
            "document": (json.dumps(otlp_request(), indent=2).encode(), ".json"),
            "legacy": (lines, ".jsonl"), "n3": (N3.read_bytes(), ".jsonl")}


def damage_bytes(data: bytes, rng: random.Random) -> bytes:
    """One to four of: cut, flipped bytes, a number or string replaced by a hostile value, lines doubled or
    swapped, a stray byte, the whole repeated."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not out:
            break
        at, kind = rng.randrange(len(out)), rng.randrange(7)
        if kind == 0:
            del out[at:]
        elif kind == 1:
            for _ in range(rng.randint(1, 8)):
                out[rng.randrange(len(out))] = rng.randrange(256)
        elif kind == 2:
            out[at:at + rng.randint(1, 12)] = rng.choice(HOSTILE)
        elif kind == 3:
            lines = bytes(out).split(b"\n")
            here = rng.randrange(len(lines))
            lines[here:here] = [lines[here]] * rng.randint(1, 5)
            out = bytearray(b"\n".join(lines))
        elif kind == 4:
            lines = bytes(out).split(b"\n")
            one, two = rng.randrange(len(lines)), rng.randrange(len(lines))
            lines[one], lines[two] = lines[two], lines[one]
            out = bytearray(b"\n".join(lines))
        elif kind == 5:
            out[at:at] = rng.choice([b"\n", b"\r", b"\x00", b"\\", b"{", b"}", b",", b"]"])
        else:
            out = out * rng.randint(2, 5)
    return bytes(out)


def damage_json(value: Any, rng: random.Random, depth: int = 0) -> Any:
    """A random node of the JSON changed: a key gone, a list item doubled, a value of another type."""
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        roll = rng.random()
        if roll < 0.15:
            del value[key]
        elif roll < 0.65 and depth < 12:
            value[key] = damage_json(value[key], rng, depth + 1)
        else:
            value[key] = rng.choice(VALUES)
        return value
    if isinstance(value, list) and value:
        here = rng.randrange(len(value))
        if rng.random() < 0.2:
            value.insert(here, value[here])
        else:
            value[here] = damage_json(value[here], rng, depth + 1)
        return value
    return rng.choice(VALUES)


def damaged_records(data: bytes, document: bool, rng: random.Random) -> bytes:
    records = [json.loads(data)] if document else [json.loads(line) for line in data.splitlines() if line.strip()]
    for _ in range(rng.randint(1, 6)):
        here = rng.randrange(len(records))
        records[here] = damage_json(records[here], rng)
    text = json.dumps(records[0], indent=2) if document else "".join(json.dumps(r) + "\n" for r in records)
    return text.encode("utf-8", "surrogatepass")


def read_every_way(path: Path) -> tuple[int, int]:
    """The run read by each reader path, to the end: (events the dict reader gave, errors of ours). Our errors
    are answers; any other exception fails."""
    source = RunSource(str(path), (str(path),))
    ways: list[Callable[[TraceReader], Any]] = [
        lambda reader: reader.events(source), lambda reader: reader.records(source),
        lambda reader: reader.line_blocks(source)]
    events, errors = 0, 0
    for number, way in enumerate(ways):
        try:
            for _ in way(TraceReader(ReadProblems(), write_index=False)):
                events += 1 if number == 0 else 0
        except Namel3ssDebugError:
            errors += 1
    return events, errors


@pytest.mark.parametrize("damage", ["bytes", "records"])
def test_damaged_traces_of_every_format_end_in_events_or_our_errors(tmp_path: Path, damage: str) -> None:
    formats = bases()
    events, errors = 0, 0
    for seed in range(400):
        rng = random.Random(seed)
        name = rng.choice(sorted(formats))
        data, suffix = formats[name]
        bad = damage_bytes(data, rng) if damage == "bytes" else damaged_records(data, name == "document", rng)
        path = tmp_path / f"seed{seed}{suffix}"
        path.write_bytes(gzip.compress(bad) if suffix.endswith(".gz") else bad)
        try:
            read, refused = read_every_way(path)
        except Exception as error:
            raise AssertionError(f"seed {seed} ({name}, {damage}): {type(error).__name__}: {error}") from error
        events, errors = events + read, errors + refused
        path.unlink()
    assert events > 1000 and errors > 10  # the damage left most traces readable and made some not traces
