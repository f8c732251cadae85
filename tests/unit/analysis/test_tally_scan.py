"""`_tally.scan` (analysis/_tally_scan.h) reads one trace line's fields in place. Whenever it accepts a line,
msgspec's BLOCK_DECODER decodes that line to the same values; it accepts the lines traces are made of; and it
refuses (None) what it is not sure of, which the caller then decodes with msgspec."""

from __future__ import annotations

import json
import random

import msgspec
import orjson
import pytest
from analysisruns import random_run
from tracefactory import TraceBuilder, random_calls_run

from namel3ss_debug.store.records import BLOCK_DECODER

try:
    from namel3ss_debug.analysis import _tally
except ImportError:  # the C extension was not compiled on this install
    _tally = None

pytestmark = pytest.mark.skipif(not hasattr(_tally, "scan"), reason="the C extension (with scan) was not compiled")

TEXTS = ("run_id", "ts", "event_type", "component", "name", "span_id", "status", "parent_id", "model")
AMOUNTS = ("duration_ms", "cost_usd", "memory_mb")
RAWS = ("inputs", "outputs", "attrs")
COUNTS = ("input_tokens", "output_tokens", "total_tokens")


def decoded(line: bytes) -> dict | None:
    """The values msgspec gives for a line, as `scan` gives them (and `error`); None when it refuses the line."""
    try:
        record = BLOCK_DECODER.decode(line)
    except (msgspec.DecodeError, ValueError, RecursionError):  # ValidationError and UnicodeDecodeError included
        return None
    values = {key: getattr(record, key) for key in ("seq", *TEXTS, *AMOUNTS, "error")}
    values.update({key: bytes(getattr(record, key)) for key in RAWS})
    values["usage"] = None if record.usage is None else {key: getattr(record.usage, key) for key in COUNTS}
    return values


def scanned(line: bytes) -> dict | None:
    """The values `scan` gives for a line (an accepted line has no error), or None when it refuses it."""
    values = _tally.scan(line)
    return None if values is None else {**values, "error": None}


def line_of(fields: dict[str, bytes], before: bytes = b"", after: bytes = b"") -> bytes:
    """A line from each key's JSON text, so that a value may be any bytes."""
    return before + b"{" + b",".join(b'"%s":%s' % (key.encode(), value) for key, value in fields.items()) + b"}" + after


def as_written(event: dict) -> dict:
    """The event with its figures rounded as the tracer writes them (tracer/core.py, events.py, memory.py)."""
    places = {"duration_ms": 3, "cost_usd": 8, "memory_mb": 2}
    return {key: round(value, places[key]) if key in places and isinstance(value, float) else value
            for key, value in event.items()}


def ordinary_events() -> list[dict]:
    """Random runs, and events with what real inputs, outputs and attrs hold: unicode, escapes, nesting, floats."""
    events = [as_written(event) for seed in range(30) for event in random_run(seed).events]
    trace = TraceBuilder()
    trace.run_start(argv=["app.py", "--fast"], config={"enabled": True, "sample": 0.25, "limit": None})
    prompt = {"messages": [{"role": "user", "content": "café ✓ \"quoted\"\n\tnext"}]}
    call = trace.start("llm", "answer", inputs=prompt)
    usage = {"input_tokens": 834, "output_tokens": 119, "total_tokens": 953}
    answer = {"return": {"text": "réponse → 😀 \\ back", "scores": [1e-05, 0.5, 12]}}
    trace.end(call, 2609.318, model="gpt-4o", cost_usd=0.00327512, usage=usage, outputs=answer)
    trace.instant("memory_operation", "memory", "write", status="completed", memory_mb=73.25, attrs={"key": "k"})
    return events + trace.events


def test_scan_accepts_ordinary_lines_and_gives_msgspecs_values():
    lines = [orjson.dumps(event) for event in ordinary_events()]
    expected = [decoded(line) for line in lines]
    assert all(values is not None for values in expected)
    accepted = [(line, values) for line, values in zip(lines, expected) if values["error"] is None]
    assert len(accepted) > 500
    for line, values in accepted:
        assert scanned(line) == values, line


# values msgspec refuses, each where it is read, skipped or kept raw
REFUSED_VALUES = [b'"a\\qb"', b'"\\u12g4"', b'"\\ud800"', b'"\\udc00x"', b'"a\tb"', b'"a\x01b"', b'1.', b'01', b'-',
                  b'-01', b'.5', b'+1', b'1e', b'NaN', b'Infinity', b'nul', b'truex', b'[1,]', b'{"a":1,}', b'{"a" 1}',
                  b'[1 2]', b"{'a':1}", b'"open', b'[' * 1000 + b']' * 1000, b'{"a":' * 1000 + b'1' + b'}' * 1000]
REFUSED_LINES = {
    "v is 1.0": {"v": b"1.0"}, "v is true": {"v": b"true"}, "seq is 3.0": {"seq": b"3.0"},
    "seq is 3e0": {"seq": b"3e0"}, "seq past 2**43": {"seq": b"8796093022208"}, "seq is a text": {"seq": b'"3"'},
    "a text field null": {"name": b"null"}, "a text field a number": {"status": b"5"},
    "invalid UTF-8 in a text": {"name": b'"\xff"'}, "invalid UTF-8 after ASCII": {"name": b'"abcdefghij\xff"'},
    "a surrogate in UTF-8": {"name": b'"\xed\xa0\x80"'}, "an overlong UTF-8": {"name": b'"\xc0\xaf"'},
    "UTF-8 past U+10FFFF": {"name": b'"\xf4\x90\x80\x80"'},
    "a float usage count": {"usage": b'{"input_tokens":3.0}'}, "a usage list": {"usage": b"[]"},
    "a usage count past 2**53": {"usage": b'{"total_tokens":9007199254740993}'},
    "a duration 1e400": {"duration_ms": b"1e400"}, "a duration past 1e12": {"duration_ms": b"1000000000000.5"},
    "a duration as text": {"duration_ms": b'"5"'}, "a model number": {"model": b"5"}, "error a text": {"error": b'"x"'},
}


def valid_fields() -> dict[str, bytes]:
    event = {"v": 1, "run_id": "r", "seq": 3, "ts": "t", "event_type": "llm_call_end", "component": "llm",
             "name": "plan", "span_id": "s1", "parent_id": None, "status": "completed", "duration_ms": 5.5,
             "usage": {"input_tokens": 3}, "model": "m", "inputs": {"q": [1, "two"]}, "x": "skipped"}
    return {key: orjson.dumps(value) for key, value in event.items()}


def refused_cases() -> dict[str, bytes]:
    cases = {name: line_of({**valid_fields(), **change}) for name, change in REFUSED_LINES.items()}
    for value in REFUSED_VALUES:
        for key in ("name", "inputs", "x"):  # read, kept raw, skipped
            cases[f"{key} = {value[:12]!r}"] = line_of({**valid_fields(), key: value})
    line = line_of(valid_fields())
    cases.update({"a BOM": b"\xef\xbb\xbf" + line, "trailing bytes": line + b"x", "a trailing NUL": line + b"\x00",
                  "a trailing comma": line[:-1] + b",}", "empty": b"{}",
                  "no parent_id": line_of({key: value for key, value in valid_fields().items() if key != "parent_id"})})
    return cases


@pytest.mark.parametrize("name", refused_cases())
def test_scan_refuses_what_msgspec_refuses(name):
    line = refused_cases()[name]
    assert decoded(line) is None
    assert scanned(line) is None


ODD_BUT_VALID = {"an int duration": {"duration_ms": b"5"}, "an exponent": {"duration_ms": b"1E+2"},
                 "a duration 1e12": {"duration_ms": b"1e12"}, "16 digits": {"cost_usd": b"0.1234567890123456"},
                 "nulls": {"duration_ms": b"null", "usage": b"null", "model": b"null", "error": b"null"},
                 "usage with other keys": {"usage": b'{"x":[1,{"y":null}],"output_tokens":null,"total_tokens":0}'},
                 "raw null": {"inputs": b"null"}, "raw with spaces": {"inputs": b' { "a" : [ 1 , 2 ] } '},
                 "raw with escapes": {"outputs": b'"a\\"b\\\\c\\n\\u00e9\\/"'},
                 "skipped invalid UTF-8": {"x": b'"\xff\xfe"', "inputs": b'"\xed\xa0\x80"'},
                 "skipped numbers": {"x": b"[1e400, 123456789012345678, -0, -1.5e-3, 0, 0.0e+0]"},
                 "DEL in a text": {"name": b'"a\x7f"'}, "deep but not too deep": {"attrs": b"[" * 60 + b"]" * 60}}


@pytest.mark.parametrize("name", ODD_BUT_VALID)
def test_scan_reads_odd_but_valid_values_as_msgspec_does(name):
    line = line_of({**valid_fields(), **ODD_BUT_VALID[name]}, before=b" \t", after=b"\r\n ")
    assert scanned(line) is not None
    assert scanned(line) == decoded(line)


@pytest.mark.parametrize("change", [{"error": b'{"type":"TimeoutError"}'}, {"se\\u0071": b"4"},
                                    {"usage": b'{"input\\u005ftokens":5}'},
                                    {"name": b'"a\\nb"'}, {"name": b'"caf\\u00e9"'}, {"seq": b"-0"},
                                    {"x": b'"\\ud83d\\ude00"'},
                                    {"duration_ms": b"0.12345678901234567"}, {"x": b"1.0000000000000000001"}])
def test_scan_refuses_what_it_is_not_sure_of_though_msgspec_decodes_it(change):
    line = line_of({**valid_fields(), **change})
    assert decoded(line) is not None
    assert scanned(line) is None


@pytest.mark.parametrize("line", [line_of(valid_fields())[:-1] + b',"seq":4}',
                                  line_of(valid_fields())[:-1] + b',"parent_id":"p"}',
                                  line_of({**valid_fields(), "usage": b'{"input_tokens":3,"input_tokens":null}'})])
def test_a_repeated_field_is_refused_though_msgspec_keeps_the_last(line):
    assert decoded(line) is not None
    assert scanned(line) is None


INTERESTING_BYTES = b'"\\{}[],: 0-.eE\x00\x1f\x7f\x80\xc3\xff'
ODD_VALUES = REFUSED_VALUES + [b"-0", b"1e-400", b"0.1", b"12345678901234567890", b"9007199254740992", b"null",
                                    b"true", b"{}", b'"\xc3\xa9"', b'"\\/"', b"[" * 65 + b"]" * 65]


def mutated(rng: random.Random, line: bytes) -> bytes:
    """The line with one random change: a byte flipped, inserted or deleted, the line cut, a key repeated, or a
    field's value swapped for an odd one."""
    at = rng.randrange(len(line))
    byte = bytes([rng.choice(INTERESTING_BYTES) if rng.random() < 0.7 else rng.randrange(256)])
    kind = rng.randrange(6)
    if kind == 0:
        return line[:at] + byte + line[at + 1:]
    if kind == 1:
        return line[:at] + byte + line[at:]
    if kind == 2:
        return line[:at] + line[at + 1:]
    if kind == 3:
        return line[:at]
    fields = {key: json.dumps(value).encode() for key, value in json.loads(line).items()}
    key = rng.choice([*fields, "usage", "x", "error"])
    if kind == 4:
        return line[:-1] + b',"%s":%s}' % (key.encode(), fields.get(key, b"1"))
    fields[key] = rng.choice(ODD_VALUES)
    return line_of(fields)


def test_whenever_scan_accepts_a_changed_line_msgspec_decodes_it_the_same():
    rng = random.Random(38)
    lines = [orjson.dumps(event) for event in ordinary_events()[:300]]
    # json.dumps as the other tests write these: spaces after separators, non-ASCII escaped, ints past 64 bits
    lines += [json.dumps(event).encode() for seed in range(20) for event in random_calls_run(random.Random(seed))]
    accepted = 0
    for _ in range(10_000):
        line = mutated(rng, rng.choice(lines))
        values = scanned(line)
        if values is not None:
            accepted += 1
            assert values == decoded(line), line
    assert accepted > 1000  # enough accepted for the comparison to mean something
