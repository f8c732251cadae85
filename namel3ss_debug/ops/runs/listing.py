"""The use case of `runs`: a directory's runs from its index (`catalogue.open_catalogue`), filtered, sorted and
cut as the options say, and with `trend` the figures across them (`analysis/trend.py`).

The options' texts are turned into a `RunQuery` here: `--since 2d` (back from `now`) or an ISO moment,
`--finding KIND[:SEVERITY]` as `check --fail-on-finding` reads it (`checks/rules.py`), `--regression` as
`diff --fail-on` (`diffing/row_thresholds.py`).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ...analysis.run_row import RunRow
from ...analysis.trend import Trend, trend
from ...analysis.window import iso, parse_bound
from ...checks.rules import ANY_FINDING, Invalid, rules_from_value
from ...diffing.row_thresholds import row_judges
from ...model.choices import FINDING_KINDS
from ...model.errors import TraceError, UsageError
from ...model.limits import COUNT_MAX, USD_MAX, shown
from ..environment import Environment
from .catalogue import Catalogue, CatalogueRequest, open_catalogue
from .query import LINEAGES, SORTS, RunFilter, RunQuery, capped

GROUP = 2_000  # runs a long listing reads from the index at a time (`listed_runs`)
_AGO = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>w|d|h|m|s)\s*$", re.ASCII)
_UNIT = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1),
         "s": timedelta(seconds=1)}
_WHEN_HINT = "a time back from now such as 30m, 3h, 2d or 1w, or a UTC date and time such as 2026-11-20 or " \
             "2026-11-20T09:00"


@dataclass(frozen=True)
class RunsRequest:
    catalogue: CatalogueRequest = CatalogueRequest()
    statuses: tuple[str, ...] = ()
    health: tuple[str, ...] = ()
    since: str | None = None  # 2d (back from now) or an ISO date/time
    until: str | None = None
    models: tuple[str, ...] = ()
    grep: str | None = None
    min_cost: float | None = None
    findings: tuple[str, ...] = ()  # KIND[:SEVERITY], as check --fail-on-finding
    tags: tuple[str, ...] = ()
    entry: str | None = None
    reruns: str = "show"  # LINEAGES
    sort: str = "started"  # SORTS
    reverse: bool = False  # oldest (smallest) first
    limit: int | None = None
    trend: bool = False
    regressions: tuple[str, ...] = ()  # --regression expressions (diff --fail-on's); () the defaults


@dataclass(frozen=True)
class RunsListing:
    directory: Path | str  # a directory, or a folder in a store by its URL
    rows: list[RunRow]
    more: bool  # --limit left out runs that match
    notes: list[str] = field(default_factory=list)  # what the index said (rebuilt, a run it cannot read)
    trend: Trend | None = None
    # the runs after `rows`, a group at a time as the index reads them (`listed_runs` with `group`): read once,
    # while the index is open
    rest: Iterable[list[RunRow]] = ()


def list_runs(request: RunsRequest, env: Environment, now: datetime | None = None) -> RunsListing:
    """The runs the request asks for (and their trend), every one in `rows`. Raises UsageError for a bad option, a
    path that is no directory or a directory with no runs (as `analyze` says "no traces"), TraceError when no run
    in it can be read. `now` (default: the clock) places `--since 2d`."""
    with listed_runs(request, env, now) as listing:
        return listing


@contextmanager
def listed_runs(request: RunsRequest, env: Environment, now: datetime | None = None,
                group: int | None = None) -> Iterator[RunsListing]:
    """`list_runs`, the index open while the block runs; with `group`, and neither --limit nor --trend, only the
    first `group` runs are in `rows` and the others come in `rest` as the index reads them: a table of 100,000
    runs starts showing before they are all read."""
    query = query_of(request, now if now is not None else datetime.now(timezone.utc))
    judges = row_judges(request.regressions) if request.trend else []
    notes: list[str] = []
    warn = _kept(notes, env)
    catalogue = open_catalogue(request.catalogue, replace(env, warn=warn))
    groups = None
    try:
        if query.where.grep and not catalogue.index.searchable:
            warn(f"this SQLite ({sqlite3.sqlite_version}) has no full-text search (FTS5 and its trigram tokenizer):"
                 " --grep reads every run's text in turn (the same runs match, found more slowly)")
        if group is not None and query.limit is None and not request.trend:
            groups = catalogue.groups(query, group)
            first = next(groups, [])
            if not first:
                _some_runs(catalogue)
            yield RunsListing(catalogue.directory, first, False, notes, rest=groups)
            return
        wanted = query if query.limit is None else replace(query, limit=query.limit + 1)
        rows = catalogue.select(wanted)
        if not rows:
            _some_runs(catalogue)
        more = query.limit is not None and len(rows) > query.limit
        rows = rows[:query.limit] if more else rows
        figures = trend(rows, catalogue.operations([row.run_id for row in rows]), judges) \
            if request.trend else None
        yield RunsListing(catalogue.directory, rows, more, notes, figures)
    finally:
        if groups is not None:
            groups.close()  # before the index: its cursor is the index's
        catalogue.index.close()


def _kept(notes: list[str], env: Environment) -> Callable[[str], None]:
    """`env`'s warnings, each kept in `notes` too (the JSON document lists them)."""
    def warn(message: str) -> None:
        notes.append(message)
        env.warn(message)
    return warn


def _some_runs(catalogue: Catalogue) -> None:
    """A directory with no run in its index: "no traces" (exit 2, as `analyze DIR`), or none readable (exit 3)."""
    if catalogue.select(RunQuery(limit=1)):
        return
    where = catalogue.directory
    if catalogue.index.strict and catalogue.index.with_problems():
        raise TraceError(f"every run in {where} has torn, invalid or out-of-sequence lines: --whole-only leaves "
                         "them all out", hint="list them without --whole-only: their problems are counted")
    if catalogue.synced.failed:
        raise TraceError(f"no run in {where} can be read ({catalogue.synced.failed} tried; the warnings above say why)",
                         hint="a trace is the JSON Lines file `namel3ss-debug trace` writes")
    if catalogue.index.shared:
        raise UsageError(f"no runs in the run index at {catalogue.index.where()} yet, nor in {where}",
                         hint="run `namel3ss-debug trace app.py` first, then `namel3ss-debug runs`")
    raise UsageError(f"no traces in {where}", hint="run `namel3ss-debug trace app.py` first, or name the directory "
                     "that holds the .jsonl files")


def query_of(request: RunsRequest, now: datetime) -> RunQuery:
    """The request's options as a query; a UsageError names a bad one."""
    if request.sort not in SORTS:
        raise UsageError(f"--sort {shown(request.sort)}: not a sort", hint=f"use one of: {', '.join(SORTS)}")
    if request.reruns not in LINEAGES:
        raise UsageError(f"--reruns {shown(request.reruns)}: not one of {', '.join(LINEAGES)}")
    if request.min_cost is not None and not 0 <= request.min_cost <= USD_MAX:
        raise UsageError(f"--min-cost {request.min_cost:g}: not an amount in USD", hint=f"0 to {USD_MAX:g}")
    if request.limit is not None and not 0 <= request.limit <= COUNT_MAX:
        raise UsageError(f"--limit {request.limit}: not a count", hint="a whole number, 0 or more")
    for option, values in (("--status", request.statuses), ("--model", request.models), ("--grep", (request.grep,)),
                           ("--tag", request.tags), ("--entry", (request.entry,))):
        _utf8(option, values)
    for option, many in (("--status", request.statuses), ("--health", request.health), ("--model", request.models),
                         ("--finding", request.findings), ("--tag", request.tags)):
        capped(option, many)
    where = RunFilter(statuses=request.statuses, health=request.health,
                      since=moment(request.since, "--since", now), until=moment(request.until, "--until", now),
                      models=request.models, grep=request.grep or None, min_cost=request.min_cost,
                      findings=tuple(dict.fromkeys(pair for text in request.findings for pair in finding_pairs(text))),
                      tags=request.tags, entry=request.entry, lineage=request.reruns)
    return RunQuery(where, sort=request.sort, descending=not request.reverse, limit=request.limit)


def _utf8(option: str, values: tuple[str | None, ...]) -> None:
    """Each text can be matched against the index's (UTF-8) text: not an argument of bytes that are not UTF-8."""
    for value in values:
        try:
            (value or "").encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"{option} {shown(ascii(value))}: bytes that are not UTF-8 text",
                             hint="give the text as the trace writes it") from None


def moment(text: str | None, option: str, now: datetime) -> str | None:
    """`2d`, `3h`, `30m`, `1w` back from `now`, or an ISO date/time (UTC unless it names a zone), as the index's
    timestamp text."""
    if text is None:
        return None
    ago = _AGO.match(text)
    if ago is not None:
        try:
            return iso(now - float(ago.group("number")) * _UNIT[ago.group("unit")])
        except OverflowError:
            raise UsageError(f"{option} {shown(text)}: before the year 1", hint=_WHEN_HINT) from None
    if text.strip().startswith("+"):
        raise UsageError(f"{option} {shown(text)}: runs are chosen by when they started", hint=_WHEN_HINT)
    try:
        bound = parse_bound(text, option)
    except UsageError:
        raise UsageError(f"{option} {shown(text)}: not a time", hint=_WHEN_HINT) from None
    return bound.at


def finding_pairs(text: str) -> list[tuple[str, str | None]]:
    """`--finding KIND[:SEVERITY]` as `check --fail-on-finding` reads it (KIND or `any`; that severity or worse,
    warning when none is given): the (kind, least severity) pairs it matches."""
    try:
        (rule,) = rules_from_value("fail_on_finding", text, f"--finding {text}")
    except Invalid as error:
        raise UsageError(f"--finding {shown(text)}: {error}", hint="see `namel3ss-debug runs --help`") from None
    kinds = FINDING_KINDS if rule.target == ANY_FINDING else (rule.target_text,)
    return [(kind, rule.limit) for kind in kinds]
