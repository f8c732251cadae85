"""`view DIR`'s use case: a directory of runs browsed from its run index (`ops/runs/catalogue`).

A `RunsBrowser` answers the list (the index's rows for the page's filters and sort, `BrowsePage`) and the page of
one run or of two compared (a `LiveRun` each, as `view TRACE` and `view BASE NEW` serve them). A run is named
by its run id and looked up in the index, never by a path: an id the index does not hold is None (the server's
404). The last `KEEP` pages opened are kept (their `LiveRun`s, least recently used dropped first), so clicking
through many runs does not hold every run in memory.

With `follow`, each listing syncs the index first (at most once each `REFRESH_S`, however many pages poll),
so runs written since appear and runs deleted go; a run page of a run still being written follows it as
`view --follow TRACE` does; and `latest()` is the directory's newest run, followed to each new run that starts.

A team's index whose database stopped answering (`IndexUnreachable`: the request that met it is answered with its
line) is connected to again at the next request, so a `view` left open outlives the database's restart.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ..analysis.records.findings import SEVERITIES
from ..analysis.run_row import RunRow
from ..config import load_settings
from ..model.errors import UsageError
from ..store.sources import is_directory, is_folder
from .environment import Environment, count_bytes
from .report import ReportRequest
from .runs import page
from .runs.catalogue import Catalogue, CatalogueRequest, index_of, open_catalogue
from .runs.page import Chart
from .runs.pgconnect import IndexUnreachable
from .runs.query import LINEAGES, SORTS, RunFilter, RunQuery, capped
from .view import LiveRun, NoRunYet, local_follow, warn_once

KEEP = 8  # run (and comparison) pages kept read
REFRESH_S = 1.0  # a followed directory is synced at most this often


@dataclass(frozen=True)
class BrowsePage:
    """A page of the rows a query asks for (`offset` on, at most its `limit`), at one version of the index, with how
    many the filters select, what the filters offer (`facets`, over every run), the chart of the runs selected
    (`runs/page.Chart`: aggregates, not rows) and which of the rows' parents the index holds (a parent not among
    them gets no link)."""

    rows: list[RunRow]
    version: int
    total: int  # runs in the index
    matched: int  # runs the filters select
    offset: int
    limit: int | None  # rows asked for (None: all)
    facets: dict[str, list[str]]
    known: frozenset[str]
    chart: Chart | None


def lists_runs(traces: Sequence[str]) -> bool:
    """Whether `view TRACES` browses a directory of runs: no TRACE (trace_output_dir), or one directory."""
    return not traces or (len(traces) == 1 and is_folder(traces[0]))


def open_browser(request: ReportRequest, env: Environment, *, follow: bool = False) -> RunsBrowser:
    """The runs of the directory `request` names (trace_output_dir when none), its index synced. Raises
    UsageError for no such directory, but `NoRunYet` when following one that is not there yet (the app's
    first run makes it: the caller waits)."""
    where = request.traces[0] if request.traces else None
    if follow:
        local_follow(request.traces)
    directory = Path(where) if where is not None else _output_dir(request, env)
    if follow and not is_directory(directory):
        raise NoDirectoryYet(directory)
    catalogue = open_catalogue(CatalogueRequest(where, request.config_path, request.strict, request.cache,
                                                request.jobs), env)
    return RunsBrowser(catalogue, request, follow=follow)


class NoDirectoryYet(NoRunYet):
    """The directory `view --follow` is to list is not there yet (the app's first run makes it)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(f"no run in {directory} yet", hint="start the app: namel3ss-debug trace app.py")
        self.directory = directory


def _output_dir(request: ReportRequest, env: Environment) -> Path:
    return load_settings(env.environ, env.cwd, config_path=request.config_path).output_dir()


class RunsBrowser:
    """The runs of `catalogue`'s directory; `request` holds the options every run page is read with."""

    def __init__(self, catalogue: Catalogue, request: ReportRequest, *, follow: bool = False,
                 clock: Callable[[], float] = time.monotonic):
        self.catalogue, self.request, self.follow, self._clock = catalogue, request, follow, clock
        # a sync while serving draws no bar on the terminal; its notes are said once each (a torn run is read
        # again at every sync, and would say so every second)
        catalogue.env = replace(catalogue.env, warn=warn_once(catalogue.env.warn), progress=count_bytes)
        self._pages: OrderedDict[tuple[str, ...], LiveRun] = OrderedDict()
        self._lock = threading.Lock()
        self._synced_at = clock()
        self._everything: tuple[int, int, dict[str, list[str]]] | None = None  # version, total, facets
        self._lost = False  # the index's database stopped answering: connected to again at the next request

    @property
    def directory(self) -> str:
        return str(self.catalogue.directory)

    def listing(self, query: RunQuery) -> BrowsePage:
        """The page of rows `query` asks for now (synced first when following), and what the page shows with it."""
        with self._asking():
            self.refresh()
            index = self.catalogue.index
            version = index.version
            total, offered = self._everything_at(version)
            rows = self.catalogue.select(query)
            matched = page.matched(index, query.where)
            parents = [row.parent for row in rows if row.parent is not None]
            return BrowsePage(rows, version, total, matched, query.offset, query.limit, offered,
                              page.listed(index, parents), page.chart(index, query.where, matched))

    @contextmanager
    def _asking(self) -> Iterator[None]:
        """A question of the index: after its database stopped answering, asked on a new connection (which fails
        in one line again, within the bound, while it still does not answer)."""
        with self._lock:
            if self._lost:
                catalogue = self.catalogue
                catalogue.index.close()
                catalogue.index = index_of(catalogue.directory, catalogue.reading.resolved, catalogue.env,
                                           key=catalogue.reading.key, strict=catalogue.index.strict)
                self._lost, self._everything = False, None
        try:
            yield
        except IndexUnreachable:
            self._lost = True
            raise

    def refresh(self) -> None:
        """Following: sync the index, at most once each REFRESH_S."""
        if not self.follow:
            return
        with self._lock:
            if self._clock() - self._synced_at < REFRESH_S:
                return
            self.catalogue.refresh()
            self._synced_at = self._clock()

    def version(self) -> int:
        with self._asking():
            self.refresh()
            return self.catalogue.index.version

    def run(self, run_id: str) -> LiveRun | None:
        """The page of the run of that id; None when the index holds no such run."""
        row = self._row(run_id)
        return None if row is None else self._page(("run", run_id), (row.files[0],))

    def compare(self, base_id: str, new_id: str) -> LiveRun | None:
        """The comparison of two runs of the index (not followed: a comparison is of two runs as they are);
        None when either is not in it."""
        base, new = self._row(base_id), self._row(new_id)
        if base is None or new is None:
            return None
        return self._page(("compare", base_id, new_id), (base.files[0], new.files[0]), follow=False)

    def latest(self) -> LiveRun:
        """The directory's newest run; following, moved to each new run as it starts (`LiveRun`'s directory)."""
        return self._page(("latest",), (self.directory,))

    def row(self, run_id: str) -> RunRow | None:
        return self._row(run_id)

    @property
    def kept(self) -> int:
        """Run and comparison pages held read (at most KEEP)."""
        return len(self._pages)

    def _row(self, run_id: str) -> RunRow | None:
        with self._asking():
            row = self.catalogue.get(run_id)
            if row is None and self.follow:  # written since the last sync
                self.refresh()
                row = self.catalogue.get(run_id)
            return row if row is not None and row.files else None

    def _page(self, key: tuple[str, ...], traces: tuple[str, ...], follow: bool | None = None) -> LiveRun:
        with self._lock:
            live = self._pages.get(key)
            if live is None:
                live = LiveRun(replace(self.request, traces=traces), self.catalogue.env,
                               follow=self.follow if follow is None else follow)
                self._pages[key] = live
            self._pages.move_to_end(key)
            while len(self._pages) > KEEP:
                self._pages.popitem(last=False)
            return live

    def _everything_at(self, version: int) -> tuple[int, dict[str, list[str]]]:
        """The runs in the index and what the filters offer, asked once a version."""
        with self._lock:
            if self._everything is None or self._everything[0] != version:
                index = self.catalogue.index
                self._everything = (version, page.matched(index, RunFilter()), page.facets(index))
            return self._everything[1], self._everything[2]


# -- the page's query string ---------------------------------------------------------------------------------

PARAMS = ("q", "status", "health", "model", "finding", "tag", "lineage", "sort", "order", "offset", "limit")
PAGE_ROWS = 500  # rows of a page when the query string names no `limit`
MAX_ROWS = 100_000  # the largest `limit` taken


def query_of(params: Mapping[str, Sequence[str]]) -> RunQuery:
    """The listing a page's query string asks for: `q` (grep), `status`, `health`, `model`, `tag`, `finding`
    (KIND or KIND:SEVERITY, its least severity), each repeatable; `lineage` (show, hide, only), `sort` (SORTS),
    `order` (desc, asc); `offset` and `limit`, the page of the rows (PAGE_ROWS from the first by default).
    Raises UsageError for a value out of its set, or more than MAX_TERMS of one (the server's 400)."""
    def values(name: str) -> tuple[str, ...]:
        given = tuple(value for value in params.get(name, ()) if value)
        capped(f"{name}=", given)
        return given

    def one(name: str, default: str, allowed: Sequence[str]) -> str:
        given = values(name)
        value = given[-1] if given else default
        if value not in allowed:
            raise UsageError(f"{name}={value!r} is not one of {', '.join(allowed)}")
        return value

    grep = values("q")
    where = RunFilter(statuses=values("status"), health=values("health"), models=values("model"),
                      grep=grep[-1] if grep else None, findings=tuple(_finding(text) for text in values("finding")),
                      tags=values("tag"), lineage=one("lineage", "show", LINEAGES))
    descending = one("order", "desc", ("desc", "asc")) == "desc"
    return RunQuery(where, sort=one("sort", "started", SORTS), descending=descending,
                    offset=_count(values("offset"), "offset", 0, 0),
                    limit=_count(values("limit"), "limit", PAGE_ROWS, 1))


def _count(given: tuple[str, ...], name: str, default: int, least: int) -> int:
    """A whole number of the query string (its last value), from `least` to MAX_ROWS; UsageError else."""
    if not given:
        return default
    text = given[-1]
    if not text.isascii() or not text.isdigit() or not least <= int(text) <= MAX_ROWS:
        raise UsageError(f"{name}={text[:40]!r} is not a whole number from {least} to {MAX_ROWS:,}")
    return int(text)


def _finding(text: str) -> tuple[str, str | None]:
    kind, _, least = text.partition(":")
    if least and least not in SEVERITIES:
        raise UsageError(f"finding={text!r}: the severity is not one of {', '.join(SEVERITIES)}")
    return kind, least or None
