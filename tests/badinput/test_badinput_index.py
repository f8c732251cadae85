"""A crafted `.idx` sidecar beside a trace (the per-file offset index `inspect --event N` seeks through): it
claims the file's size and mtime, so it is not stale, and lies in what it holds. `inspect TRACE --event N`
gives the right event, with a one-line notice that the index was ignored and rebuilt, or a clean error;
never a traceback and never a wrong "no event"."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable

import pytest
from harness import invoke
from judge import assert_sound
from tracefactory import many_llm_calls

from namel3ss_debug.store.index import index_path, load_index

Body = dict[str, Any]


def _entries(body: Body, change: Callable[[list[int]], list[int]]) -> Body:
    return dict(body, entries=[change(list(entry)) for entry in body["entries"]])


def _middle(body: Body) -> int:
    return body["entries"][len(body["entries"]) // 2][0]


# name -> (what the sidecar is made, the seq asked for: None for one near the middle of the file)
CRAFTED: dict[str, tuple[Callable[[Body], Body | bytes], int | None]] = {
    "offsets past the end": (lambda b: _entries(b, lambda e: [e[0], e[1], e[2] + 10 ** 12]), None),
    "negative offsets": (lambda b: _entries(b, lambda e: [e[0], e[1], -e[2] - 1]), None),
    "offsets in the middle of lines": (lambda b: _entries(b, lambda e: [e[0], e[1], e[2] + 7]), None),
    "each entry a line late": (lambda b: dict(b, entries=[[s, line, off] for (s, _, _), (_, line, off)
                                                          in zip(b["entries"], b["entries"][1:])]), None),
    "seqs shifted": (lambda b: _entries(b, lambda e: [e[0] + 3, e[1], e[2]]), None),
    "seqs going down": (lambda b: dict(b, entries=b["entries"][::-1]), None),
    "line numbers past the offsets": (lambda b: _entries(b, lambda e: [e[0], e[1] * 1000 + 5, e[2]]), None),
    "last seq short of the file's": (lambda b: dict(b, last_seq=b["entries"][-1][0]), 6001),
    "last seq far short": (lambda b: dict(b, last_seq=4000), 5000),
    "first seq past the file's": (lambda b: dict(b, first_seq=100), 5),
    "a wrong count": (lambda b: dict(b, first_seq=0, last_seq=10 ** 6), 6001),
    "seqs as strings": (lambda b: dict(b, first_seq="0", last_seq="6001"), 5000),
    "seqs as floats": (lambda b: _entries(b, lambda e: [e[0] + 0.5, e[1], e[2]]), None),
    "booleans": (lambda b: dict(b, first_seq=False, last_seq=True), 1),
    "entries not lists": (lambda b: dict(b, entries={"a": 1}), 5000),
    "entries of two numbers": (lambda b: _entries(b, lambda e: e[:2]), None),
    "no entries": (lambda b: dict(b, entries=[]), 5000),
    "a list, not an object": (lambda b: json.dumps([b]).encode(), 5000),
    "truncated": (lambda b: json.dumps(b).encode()[:300], 5000),
    "garbage": (lambda b: b"\x00\xff\xfe not an index", 5000),
}


def _indexed(workspace: Path) -> tuple[Path, Body, os.stat_result]:
    path = many_llm_calls(3000).write(workspace / "big.jsonl")  # past 1 MiB: a full read writes its index
    assert invoke(["inspect", "big.jsonl", "--format", "json"]).exit_code == 0
    body = json.loads(index_path(str(path)).read_bytes())
    return path, body, path.stat()


def _plant(path: Path, sidecar: Body | bytes, stat: os.stat_result) -> None:
    index_path(str(path)).write_bytes(sidecar if isinstance(sidecar, bytes) else json.dumps(sidecar).encode())
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the trace's mtime, as the sidecar claims


@pytest.mark.parametrize("name", CRAFTED)
def test_a_crafted_index_never_gives_a_wrong_event_or_a_wrong_no_event(workspace: Path, name: str) -> None:
    path, body, stat = _indexed(workspace)
    craft, seq = CRAFTED[name]
    seq = _middle(body) + 1 if seq is None else seq
    _plant(path, craft(body), stat)
    outcome = invoke(["inspect", "big.jsonl", "--event", str(seq), "--format", "json"])
    assert_sound(outcome)
    assert outcome.exit_code == 0, outcome.summary()
    shown = json.loads(outcome.stdout)
    lines = path.read_bytes().splitlines()
    assert [event["seq"] for event in shown["events"]] == [seq]
    assert json.loads(lines[seq]) == shown["events"][0] and shown["where"] == [f"big.jsonl:{seq + 1}"]
    assert outcome.stderr.count("\n") <= 1  # at most the one notice


def test_a_wrong_index_is_said_once_and_rebuilt(workspace: Path) -> None:
    path, body, stat = _indexed(workspace)
    _plant(path, dict(body, last_seq=4000), stat)
    outcome = invoke(["inspect", "big.jsonl", "--event", "5000"])
    assert outcome.exit_code == 0, outcome.summary()
    assert "big.jsonl.idx: the offset index does not match big.jsonl" in outcome.stderr
    assert "ignored, and rebuilt" in outcome.stderr
    rebuilt = load_index(str(path))
    assert rebuilt is not None and rebuilt.last_seq == 6001
    again = invoke(["inspect", "big.jsonl", "--event", "5000"])
    assert again.exit_code == 0 and again.stderr == ""


def test_an_event_that_is_not_there_is_still_said_so(workspace: Path) -> None:
    path, body, stat = _indexed(workspace)
    _plant(path, dict(body, last_seq=10 ** 6), stat)
    outcome = invoke(["inspect", "big.jsonl", "--event", "7000"])
    assert_sound(outcome)
    assert outcome.exit_code != 0 and "7000" in outcome.stderr and "0..6001" in outcome.stderr


@pytest.mark.parametrize("change", ["grown", "rewritten"])
def test_an_index_of_the_file_as_it_was_is_not_believed(workspace: Path, change: str) -> None:
    """Grown: the size differs, so the index is stale. Rewritten: the same size and mtime, other lines."""
    path, body, stat = _indexed(workspace)
    sidecar = index_path(str(path)).read_bytes()
    data = path.read_bytes()
    if change == "grown":
        path.write_bytes(b"\n" * 5000 + data)
    else:
        lines = data.splitlines(keepends=True)
        head = lines[:1] + lines[2:2000]  # a line gone from the start: every later line 1 earlier
        path.write_bytes(b"".join(head + [lines[1]] + lines[2000:]))
    _plant(path, sidecar, stat)
    seq = body["entries"][len(body["entries"]) // 6][0] + 1  # among the lines moved
    outcome = invoke(["inspect", "big.jsonl", "--event", str(seq), "--format", "json"])
    assert_sound(outcome)
    events = json.loads(outcome.stdout)["events"]
    assert [event["seq"] for event in events] == [seq]
