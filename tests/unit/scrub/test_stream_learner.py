"""`scrub.learn.StreamLearner` learns from a run's bytes, shown in any cut, what `learn_run` learns reading its
file: the values the run holds under sensitive keys, which a result cache entry must not copy."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from support.tracefactory import TraceBuilder

from namel3ss_debug.redaction.redact import Redactor
from namel3ss_debug.scrub.learn import StreamLearner, learn_run
from namel3ss_debug.store.blocks import BOM

SECRETS = ("corpKEY-7781-zeta", "Tr0ub4dor&3-horse-battery", "hunter2-but-longer-9")


def run_holding_secrets(path: Path) -> Path:
    trace = TraceBuilder()
    trace.run_start()
    trace.span("tool", "login", 20.0, trace.root, inputs={"api_key": SECRETS[0]})
    for step in range(300):  # lines with nothing to learn between the ones that teach
        trace.span("tool", f"search-{step}", 1.0, trace.root, inputs={"q": "weather " * 20})
    trace.span("tool", "db", 5.0, trace.root, inputs={"password": SECRETS[1]})
    trace.span("tool", "vault", 5.0, trace.root, inputs={"secret": SECRETS[2]})
    trace.run_end()
    return trace.write(path)


def streamed(data: bytes, cuts: list[int]) -> tuple[StreamLearner, list[StreamLearner]]:
    ended: list[StreamLearner] = []
    learner = StreamLearner(ended.append)
    start = 0
    for cut in [*cuts, len(data)]:
        learner.see(data[start:cut])
        start = cut
    learner.end()
    return learner, ended


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cut_anywhere_it_learns_what_reading_the_file_learns(tmp_path: Path, seed: int) -> None:
    path = run_holding_secrets(tmp_path / "run.jsonl")
    data = path.read_bytes()
    read = Redactor()
    learn_run(read, [str(path)])
    cuts = sorted(random.Random(seed).sample(range(1, len(data)), 25))
    learner, ended = streamed(data, cuts)
    assert ended == [learner] and not learner.foreign
    assert sorted(learner.redactor.learned) == sorted(read.learned) and set(SECRETS) <= set(read.learned)


def test_a_byte_order_mark_and_an_unended_last_line_are_read_as_the_file_is(tmp_path: Path) -> None:
    path = run_holding_secrets(tmp_path / "run.jsonl")
    data = BOM + path.read_bytes().rstrip(b"\n")
    path.write_bytes(data)
    read = Redactor()
    learn_run(read, [str(path)])
    learner, _ = streamed(data, [2, 40])
    assert sorted(learner.redactor.learned) == sorted(read.learned) and SECRETS[2] in read.learned


def test_a_run_in_another_format_is_foreign(tmp_path: Path) -> None:
    learner, ended = streamed(b'{"resourceSpans": [\n{"scopeSpans": []}\n]}\n', [5])
    assert ended == [learner] and learner.foreign
