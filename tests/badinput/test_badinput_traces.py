"""Damaged traces of every format, read by every command: no traceback, a documented exit code, one error
line, nothing from the file driving the terminal, within time and memory bounds.

Each case is generated here from its id, which is its seed (`pytest tests/badinput -k 'inspect-tree-deep'`
runs one again, byte for byte). The corpus is the product of the readers (readers.py: every command and mode)
and the mutations (damage.py), each pair twice over rotating formats (basetraces.py: v1, v1.gz, legacy, n3,
OTLP/JSON lines foreign and ours, an OTLP/JSON document), and every field of every format given each wrong
type in turn.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Callable

import orjson
import pytest
from basetraces import FORMATS, Base, Record, make_base
from click.testing import CliRunner
from damage import MUTATIONS
from harness import invoke
from hostile import LONE_SURROGATES, MARKUP, Raw, nested
from judge import assert_sound
from readers import READERS, Paths

from namel3ss_debug.cli.main import cli

ROUNDS = 1  # each (reader, mutation) pair on one format; the formats turn with the pair, so each reader meets every
# format and each mutation every format (a second round of each pair on another format cost 10 s more of CI)


def _main_cases() -> list[Any]:
    cases = []
    for r, reader in enumerate(READERS):
        for m, name in enumerate(MUTATIONS):
            for round_ in range(ROUNDS):
                fmt = FORMATS[(r + m + round_ * 3) % len(FORMATS)]
                cases.append(pytest.param(reader, name, fmt, id=f"{reader}-{name}-{fmt}-{round_}"))
    return cases


def exporter(directory: Path) -> Callable[[list[Record]], list[Record]]:
    """v1 events -> the OTLP/JSON requests `export --to otlp-json` writes for them."""

    def export(events: list[Record]) -> list[Record]:
        source = directory / "ours-source.jsonl"
        source.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in events))
        done = CliRunner().invoke(cli, ["export", "--to", "otlp-json", str(source), "-"], catch_exceptions=False)
        assert done.exit_code == 0, done.stderr
        source.unlink()
        return [orjson.loads(line) for line in done.stdout_bytes.splitlines() if line.strip()]

    return export


def write_case(directory: Path, base: Base, data: bytes, receivers: dict[str, str], rng: random.Random) -> Paths:
    """The damaged trace in `traces/` (beside a good run of its own, as a directory holds several), and a
    good run for the commands that compare."""
    traces = directory / "traces"
    traces.mkdir()
    trace = traces / f"20261122-100000-{rng.randrange(16**6):06x}.0000{base.suffix}"  # a segment's name
    trace.write_bytes(data)
    good = directory / "good.jsonl"
    good.write_bytes(make_base("v1", rng, lambda events: []).text())
    return Paths(trace, good, directory, receivers)


def run_reader(reader: str, paths: Paths) -> None:
    spec = READERS[reader](paths)
    assert_sound(invoke(spec.argv, stdin=spec.stdin, driver=spec.driver))


@pytest.mark.parametrize(("reader", "mutation", "fmt"), _main_cases())
def test_a_damaged_trace_is_refused_or_read_soundly(workspace: Path, receivers: dict[str, str], request: Any,
                                                     reader: str, mutation: str, fmt: str) -> None:
    rng = random.Random(request.node.callspec.id)
    export = exporter(workspace)
    base = make_base(fmt, rng, export)
    data = MUTATIONS[mutation](rng, base, lambda: make_base(rng.choice(FORMATS), rng, export))
    run_reader(reader, write_case(workspace, base, data, receivers, rng))


# -- every field of every format, each wrong type in turn ---------------------------------------------------

# Paths into a record; "*" is every item of a list. Top-level fields and the nested ones a reader looks into.
FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "v1": tuple((key,) for key in ("v", "run_id", "seq", "ts", "event_type", "component", "name", "span_id",
                                    "parent_id", "status", "duration_ms", "inputs", "outputs", "error", "usage",
                                    "model", "attrs")) + (
        ("error", "type"), ("error", "message"), ("error", "category"), ("usage", "input_tokens"),
        ("usage", "output_tokens"), ("attrs", "entry"), ("attrs", "entry", "kind"), ("attrs", "entry", "path"),
        ("inputs", "messages"), ("inputs", "messages", "*", "content"), ("outputs", "text"), ("cost_usd",),
        ("thread",), ("task",), ("pid",), ("memory_mb",), ("truncated",), ("attrs", "dropped")),
    "legacy": tuple((key,) for key in ("event_type", "event_id", "timestamp", "parent_event_id", "execution_id",
                                        "component", "component_name", "inputs", "outputs", "metadata",
                                        "duration_ms", "status", "error", "memory_usage_mb", "tokens_used",
                                        "cost_estimate")) + (("inputs", "model"), ("outputs", "prompt_tokens")),
    "n3": tuple((key,) for key in ("step_id", "flow_name", "step_name", "timestamp", "input", "output",
                                    "duration_ms", "memory_used", "line", "column")),
    "otlp-lines": (("resourceSpans",), ("resourceSpans", "*"), ("resourceSpans", "*", "resource"),
                   ("resourceSpans", "*", "resource", "attributes"), ("resourceSpans", "*", "scopeSpans"),
                   ("resourceSpans", "*", "scopeSpans", "*", "scope"),
                   ("resourceSpans", "*", "scopeSpans", "*", "spans"),
                   *(("resourceSpans", "*", "scopeSpans", "*", "spans", "*", key) for key in (
                       "traceId", "spanId", "parentSpanId", "name", "kind", "startTimeUnixNano", "endTimeUnixNano",
                       "attributes", "status", "events")),
                   ("resourceSpans", "*", "scopeSpans", "*", "spans", "*", "attributes", "*", "key"),
                   ("resourceSpans", "*", "scopeSpans", "*", "spans", "*", "attributes", "*", "value"),
                   ("resourceSpans", "*", "scopeSpans", "*", "spans", "*", "attributes", "*", "value", "intValue"),
                   ("resourceSpans", "*", "scopeSpans", "*", "spans", "*", "status", "code"),
                   ("resourceSpans", "*", "scopeSpans", "*", "spans", "*", "events", "*", "timeUnixNano"),
                   ("resourceSpans", "*", "scopeSpans", "*", "spans", "*", "events", "*", "attributes")),
}
FIELDS["otlp-ours"] = FIELDS["otlp-lines"]
WRONG = (None, True, False, 0, -1, 1.5, float("nan"), float("inf"), Raw("1" + "0" * 400), Raw("-" + "9" * 4400),
         "", "x", "\x1b]0;N3PWN\x07", MARKUP[0], LONE_SURROGATES[0], [], [None, 1], {}, {"a": {"b": []}},
         nested(1000, random.Random(0)), "y" * 100_000)


def _places(record: Any, pattern: tuple[str, ...]) -> list[tuple[Any, Any]]:
    """(container, key) for each place `pattern` names in `record` that exists."""
    found: list[tuple[Any, Any]] = []
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        items = list(enumerate(record)) if isinstance(record, list) else []
    else:
        items = [(head, record[head])] if isinstance(record, dict) and head in record else []
    for key, value in items:
        found += [(record, key)] if not rest else _places(value, rest)
    return found


def _field_cases() -> list[Any]:
    cases, readers = [], list(READERS)
    n = 0
    for fmt, patterns in FIELDS.items():
        for pattern in patterns:
            for _ in range(3):
                reader = readers[n % len(readers)]
                n += 1
                cases.append(pytest.param(reader, fmt, pattern, id=f"{reader}-{fmt}-{'.'.join(pattern)}"))
    return cases


@pytest.mark.parametrize(("reader", "fmt", "pattern"), _field_cases())
def test_each_field_of_each_format_holding_each_wrong_type(workspace: Path, receivers: dict[str, str],
                                                           request: Any, reader: str, fmt: str,
                                                           pattern: tuple[str, ...]) -> None:
    rng = random.Random(request.node.callspec.id)
    base = make_base(fmt, rng, exporter(workspace))
    places = [place for record in base.records for place in _places(record, pattern)]
    assert places, f"no {pattern} in a {fmt} trace: the corpus lost the field it means to break"
    offset = rng.randrange(len(WRONG))
    for n, (container, key) in enumerate(places):
        container[key] = WRONG[(n + offset) % len(WRONG)]
    run_reader(reader, write_case(workspace, base, base.file_bytes(), receivers, rng))
