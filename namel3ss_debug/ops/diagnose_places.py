"""Where the events a diagnosis shows are: `file:line` for each piece of evidence, found after the pass.

The pass keeps no event's place (it reads records, not lines), and a diagnosis shows a few dozen events at most:
each is looked up by seq (`store/lookup.find_event`: the offset index, then a short read), at most `MAX_PLACED`
of them; a run without an index (a small file, `--no-cache`, a `.gz`) is read once for all of them. A run read
from standard input or a pipe cannot be read again: its evidence keeps no place. A file holding several runs is
placed only where the event found is of the evidence's run.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Optional

import msgspec

from ..analysis.records.findings import Blame, Evidence, Finding
from ..store.index import index_path
from ..store.lookup import find_event
from ..store.reader import TraceReader
from ..store.sources import STDIN, RunSource, is_stream

MAX_PLACED = 64  # events looked up for one report: the evidence shown is a few per finding


def place_evidence(findings: list[Finding], blames: list[Blame], sources: Mapping[str, RunSource],
                   reader: TraceReader) -> tuple[list[Finding], list[Blame]]:
    """The findings and blames with each evidence's `location` set where it could be found."""
    places = event_places(_keys(findings, blames), sources, reader)
    return ([_placed_finding(finding, places) for finding in findings],
            [_placed_blame(blame, places) for blame in blames])


def event_places(keys: Iterable[tuple[str, int]], sources: Mapping[str, RunSource],
                 reader: TraceReader) -> dict[tuple[str, int], Optional[str]]:
    """`file:line` of the first `MAX_PLACED` events named by (run id, seq), each in its run's source; None
    where it cannot be found or read again. A run whose files all have an offset index is looked up seq by seq;
    another is read once for all its seqs (a lookup without an index reads the whole file)."""
    wanted: dict[RunSource, dict[tuple[str, int], None]] = {}
    for run_id, seq in list(dict.fromkeys(keys))[:MAX_PLACED]:
        source = sources.get(run_id)
        if source is not None and _readable_again(source):
            wanted.setdefault(source, {})[(run_id, seq)] = None
    places: dict[tuple[str, int], Optional[str]] = {}
    for source, named in wanted.items():
        if all(index_path(path).is_file() for path in source.files):
            places.update((key, _where(source, *key, reader)) for key in named)
        else:
            places.update(_read_through(source, set(named), reader))
    return places


def _read_through(source: RunSource, named: set[tuple[str, int]],
                  reader: TraceReader) -> dict[tuple[str, int], Optional[str]]:
    """The places of `named` events, reading the run once up to the last of them."""
    found: dict[tuple[str, int], Optional[str]] = {}
    try:
        for located in reader.events(source):
            key = (str(located.event.get("run_id")), located.event.get("seq"))
            if key in named and key not in found:
                found[key] = located.where
                if len(found) == len(named):
                    break
    except OSError:  # the file went away since the pass: what was found so far is kept
        pass
    return found


def _keys(findings: Iterable[Finding], blames: Iterable[Blame]) -> Iterable[tuple[str, int]]:
    """The events shown, blames' first (the chain matters most), then the findings' in their order."""
    for blame in blames:
        if blame.step is not None:
            yield blame.step.ref.run_id, blame.step.ref.seq
        for link in blame.chain:
            yield link.evidence.ref.run_id, link.evidence.ref.seq
        for candidate in blame.candidates:
            yield candidate.step.ref.run_id, candidate.step.ref.seq
    for finding in findings:
        for evidence in finding.evidence:
            yield evidence.ref.run_id, evidence.ref.seq


def _readable_again(source: RunSource) -> bool:
    return not any(path == STDIN or is_stream(path) for path in source.files)


def _where(source: RunSource, run_id: str, seq: int, reader: TraceReader) -> Optional[str]:
    try:
        found = find_event(source, seq, reader)
    except OSError:  # the file went away since the pass: the evidence keeps no place
        return None
    if found is None or found.event.get("run_id") != run_id:
        return None
    return found.where


def _placed(evidence: Evidence, places: Mapping[tuple[str, int], Optional[str]]) -> Evidence:
    where = places.get((evidence.ref.run_id, evidence.ref.seq))
    return msgspec.structs.replace(evidence, location=where) if where and not evidence.location else evidence


def _placed_finding(finding: Finding, places: Mapping[tuple[str, int], Optional[str]]) -> Finding:
    return msgspec.structs.replace(finding, evidence=[_placed(evidence, places) for evidence in finding.evidence])


def _placed_blame(blame: Blame, places: Mapping[tuple[str, int], Optional[str]]) -> Blame:
    step = _placed(blame.step, places) if blame.step is not None else None
    chain = [msgspec.structs.replace(link, evidence=_placed(link.evidence, places)) for link in blame.chain]
    candidates = [msgspec.structs.replace(candidate, step=_placed(candidate.step, places))
                  for candidate in blame.candidates]
    return msgspec.structs.replace(blame, step=step, chain=chain, candidates=candidates)
