"""The run index in PostgreSQL on 100,000 runs (issue 102's Must show): `runs` answers with its table in at most
1 s and `runs --grep` in at most 2 s; beside each figure, SQLite's answer to the same query in the same run.

    python bench/runs_pg.py                        # 100,000 runs, 5 rounds: a few minutes
    python bench/runs_pg.py --runs 10000 --repeats 3
    python bench/runs_pg.py --json                 # JSON only on stdout

The runs: tests/runs/generate.py's 500 runs (seed 66), read once into rows by the SQLite index, then each copied
under new run ids (the seed's id and the copy's number) and start times (7 minutes apart a copy), written into both
indexes through `RunIndex.apply`, the sync's own path (64 runs a transaction; the write rate is printed). The
PostgreSQL server is the tests' (tests/support/pgserver.py: Debian's package, a cluster in a temporary directory,
on 127.0.0.1), with its defaults.

Timed, each the median of --repeats, the commands taking turns:
- as a user runs it, a whole command (interpreter start included) over PostgreSQL: `runs DIR --limit 50` (the
  table a user reads first, newest first), `runs DIR --grep TEXT --limit 50` with TEXT in one seed run (so in each
  of its copies: 1 run in 500) and with a TEXT in none (every row's text read), `runs DIR --format jsonl`,
  every run, and a bare `runs DIR`: the table of every run, as a user types it, twice: its output to a file
  (every run laid out at once, then written), and on a terminal (a pseudo-terminal of 50 x 200, first_screen.py):
  the seconds until the pager has the first screen, the index read and shown a group at a time. DIR is a folder
  with no run of its own: a laptop listing the team's runs.
- the library, in this process: the index opened and `select` of the same queries, for PostgreSQL and for SQLite.
  SQLite's index is not listed through the command here: its sync would forget the copies, whose traces are not
  on the disk.
The targets are the command's: PASS or MISS against 1 s (table) and 2 s (--grep); the table's, for its whole
output to a file and for its first screen on a terminal.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(REPO / "tests"))
from analyze_throughput import run_child  # noqa: E402 - the shared runner, beside this file
from first_screen import first_screen  # noqa: E402 - the terminal's runner, beside this file
from runs.generate import write_runs  # noqa: E402 - the tests' generated runs
from support.pgserver import PgServer  # noqa: E402 - the tests' PostgreSQL server

from namel3ss_debug.analysis.run_row import IndexedRun, RunRow  # noqa: E402 - after the bench's own
from namel3ss_debug.config import load_settings  # noqa: E402 - as above
from namel3ss_debug.ops.environment import Environment  # noqa: E402 - as above
from namel3ss_debug.ops.runs.catalogue import CatalogueRequest, open_catalogue  # noqa: E402 - as above
from namel3ss_debug.ops.runs.index import RunIndex  # noqa: E402 - as above
from namel3ss_debug.ops.runs.indexing import run_reading  # noqa: E402 - as above
from namel3ss_debug.ops.runs.query import RunFilter, RunQuery  # noqa: E402 - as above
from namel3ss_debug.ops.runs.scan import SyncPlan  # noqa: E402 - as above
from namel3ss_debug.ops.runs.shared import SharedRunIndex  # noqa: E402 - as above
from namel3ss_debug.store.sources import RunSource  # noqa: E402 - as above

TABLE_FLOOR_S, GREP_FLOOR_S = 1.0, 2.0  # issue 102
SEED_RUNS, SEED = 500, 66
NOWHERE = "no-such-text-zq"
TERMINAL = "(the table: first screen on a terminal)"


class Copies:
    """The `Reads` of `RunIndex.apply`: the copies' rows, given back in the order asked."""

    def __init__(self, rows: dict[str, IndexedRun]) -> None:
        self.rows = rows

    def each(self, sources: Sequence[RunSource]) -> Iterator[IndexedRun]:
        for source in sources:
            yield self.rows[Path(source.files[0]).name.split(".", 1)[0]]


def seed_rows(directory: Path) -> list[IndexedRun]:
    """The seed runs' rows and operations, as the SQLite index read them from their traces."""
    write_runs(directory, SEED_RUNS, seed=SEED)
    catalogue = open_catalogue(CatalogueRequest(str(directory)), Environment.current())
    rows = catalogue.select(RunQuery())
    operations = catalogue.operations([row.run_id for row in rows])
    catalogue.index.close()
    return [IndexedRun(row, operations.get(row.run_id, [])) for row in rows]


def copies(seeds: list[IndexedRun], count: int) -> dict[str, IndexedRun]:
    """`count` runs: the seeds again and again, each copy under its own id and start time."""
    made: dict[str, IndexedRun] = {}
    for number in range(count):
        seed = seeds[number % len(seeds)]
        copy = number // len(seeds)
        run_id = f"{seed.row.run_id}-c{copy:04d}"
        made[run_id] = IndexedRun(_moved(seed.row, run_id, copy), list(seed.operations))
    return made


def _moved(row: RunRow, run_id: str, copy: int) -> RunRow:
    started = row.started
    if started:
        moment = datetime.fromisoformat(started) + timedelta(minutes=7 * copy)
        started = moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return msgspec.structs.replace(row, run_id=run_id, started=started, files=[f"{run_id}.0000.jsonl"])


def written(index: RunIndex, runs: dict[str, IndexedRun]) -> float:
    """The runs written through `apply` (as a sync writes them); the seconds it took."""
    plan = SyncPlan(new=list(runs), files={key: {f"{key}.0000.jsonl": (1, 1, 1)} for key in runs})
    began = time.perf_counter()
    result = index.apply(plan, Copies(runs))
    assert result.added == len(runs) and not result.failed, result.notes
    return time.perf_counter() - began


def timed_select(open_index: Any, query: RunQuery) -> tuple[float, int]:
    began = time.perf_counter()
    index = open_index()
    found = len(index.select(query))
    index.close()
    return time.perf_counter() - began, found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="runs-pg-") as scratch, PgServer() as server:
        results = measure(Path(scratch), server, options.runs, options.repeats)
    if options.json:
        print(json.dumps(results, indent=2))
    else:
        report(results)


def measure(scratch: Path, server: PgServer, count: int, repeats: int) -> dict[str, Any]:
    say(f"reading {SEED_RUNS} generated runs")
    seeds = seed_rows(scratch / "seed")
    runs = copies(seeds, count)
    grep = seeds[0].row.run_id.rsplit("-", 1)[-1]  # the seed's random suffix: in its copies alone
    url = server.database("bench")
    environ = {**os.environ, **server.environ(), "NAMEL3SS_DEBUG_RUN_INDEX_URL": url, "COLUMNS": "200"}
    environ = {name: value for name, value in environ.items() if name != "NAMEL3SS_DEBUG_TRACE_OUTPUT_DIR"}
    os.environ.clear()
    os.environ.update(environ)  # what the commands run with (`run_child` starts them in this environment)
    key = run_reading(load_settings(environ, scratch), Environment.current()).key
    laptop = scratch / "laptop"
    laptop.mkdir()
    (scratch / "sqlite").mkdir()

    def postgres() -> RunIndex:
        return SharedRunIndex(scratch / "team", key=key, url=url, environ=environ, host="ci-runner-1")

    def sqlite() -> RunIndex:
        return RunIndex(scratch / "sqlite", key=key)

    say(f"writing {count} runs into PostgreSQL and into SQLite")
    writes = {}
    for name, opened in (("postgresql", postgres), ("sqlite", sqlite)):
        index = opened()
        writes[name] = count / written(index, runs)
        index.close()
    queries = {"--limit 50": RunQuery(limit=50), f"--grep {grep} --limit 50": RunQuery(RunFilter(grep=grep), limit=50),
               f"--grep {NOWHERE} --limit 50": RunQuery(RunFilter(grep=NOWHERE), limit=50),
               "--format jsonl (every run)": RunQuery(), "(the table, every run, to a file)": RunQuery(),
               TERMINAL: RunQuery()}
    commands = {label: [sys.executable, "-m", "namel3ss_debug", "runs", str(laptop), *label.split("(")[0].split()]
                for label in queries}
    figures: dict[str, dict[str, list[float]]] = {label: {"command": [], "postgresql": [], "sqlite": []}
                                                  for label in queries}
    found: dict[str, dict[str, int]] = {label: {} for label in queries}
    labels = list(queries)
    for number in range(repeats):
        say(f"round {number + 1} of {repeats}")
        for label in labels[number % len(labels):] + labels[:number % len(labels)]:
            if label == TERMINAL:
                seconds, _, code = first_screen(commands[label], os.environ)
                assert code == 0 and seconds is not None, code
                figures[label]["command"].append(seconds)
            else:
                child = run_child(commands[label], scratch, discard_stdout=True, rss=False)
                assert child.returncode == 0, child.stderr
                figures[label]["command"].append(child.wall_s)
            for name, opened in (("postgresql", postgres), ("sqlite", sqlite)):
                seconds, rows = timed_select(opened, queries[label])
                figures[label][name].append(seconds)
                found[label][name] = rows
    assert all(counts["postgresql"] == counts["sqlite"] for counts in found.values()), found
    return {"runs": count, "repeats": repeats, "writes_per_s": writes, "found": found,
            "medians_s": {label: {way: statistics.median(times) for way, times in ways.items()}
                          for label, ways in figures.items()},
            "max_s": {label: {way: max(times) for way, times in ways.items()} for label, ways in figures.items()}}


def report(results: dict[str, Any]) -> None:
    print(f"{results['runs']:,} runs; median of {results['repeats']} (max in brackets)")
    writes = results["writes_per_s"]
    print(f"written through apply: PostgreSQL {writes['postgresql']:,.0f} runs/s, "
          f"SQLite {writes['sqlite']:,.0f} runs/s")
    print(f"{'query':<42} {'rows':>6} {'runs (PostgreSQL)':>22} {'library PostgreSQL':>22} {'library SQLite':>20}")
    for label, ways in results["medians_s"].items():
        most = results["max_s"][label]
        floor = GREP_FLOOR_S if "--grep" in label else TABLE_FLOOR_S
        verdict = "PASS" if ways["command"] <= floor else "MISS"
        cells = [f"{ways[way] * 1000:7.0f} ms ({most[way] * 1000:.0f})" for way in ("command", "postgresql", "sqlite")]
        target = "" if "jsonl" in label else f"  {verdict} (<= {floor:.0f} s)"  # the targets are of the table's
        print(f"{label:<42} {results['found'][label]['postgresql']:>6} {cells[0]:>22} {cells[1]:>22} {cells[2]:>20}"
              f"{target}")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
