"""A run read through the typed decoder (`profile_lines`, as `diff` reads a side) and as dicts (`profile_run`)
give the same profile: the same calls (fingerprints, previews, places, numbers) and the same figures. Checked on
random runs that hold what a real trace can: failures with and without errors, odd field types the typed
decoder refuses, unclosed spans, ends without starts, nested payloads, another run's events."""

from __future__ import annotations

import json
import random

import pytest
from support.tracefactory import random_calls_run

from namel3ss_debug.diffing.profile import profile_lines, profile_run
from namel3ss_debug.store.problems import ReadProblems
from namel3ss_debug.store.reader import TraceReader
from namel3ss_debug.store.sources import RunSource


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("rereadable", [False, True])
def test_the_typed_path_and_the_dict_path_give_the_same_profile(tmp_path, seed, rereadable) -> None:
    path = tmp_path / "run.jsonl"
    path.write_bytes(b"".join(json.dumps(event).encode() + b"\n" for event in random_calls_run(random.Random(seed))))
    source = RunSource(str(path), (str(path),))

    def reader() -> TraceReader:
        return TraceReader(ReadProblems(strict=False, on_warning=lambda message: None))

    dicts, lines = reader(), reader()
    by_dicts = profile_run(source, dicts.events(source), problems=dicts.problems, rereadable=rereadable)
    by_lines = profile_lines(source, lines.line_blocks(source), problems=lines.problems, rereadable=rereadable)
    assert by_lines.calls == by_dicts.calls
    assert by_lines.report == by_dicts.report
