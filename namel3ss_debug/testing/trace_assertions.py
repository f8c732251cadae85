"""Assertions on one run's events: what the `n3trace` pytest fixture hands a test.

The events are read back from the run's trace files (flushed first), so a test asserts on exactly what
`namel3ss-debug inspect` would show: filtered, redacted and truncated as written. A failing assertion
raises `AssertionError` listing the events involved, one line each, and ends with the trace's path.

    def test_agent(n3trace):
        agent("What is the capital of France?")
        n3trace.assert_no_errors()
        n3trace.assert_called("llm", "answer", times=1)
        assert n3trace.total_tokens <= 50
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import orjson

from ..model.events import COMPONENTS, is_end, is_start
from ..model.events import kind as span_kind
from ..model.messages import plural, visible

Event = dict[str, Any]

MAX_LISTED = 20  # events listed in one failure message; the rest are counted
MAX_FIELD = 200  # characters of one error message in a listing
_RUN_EVENTS = ("run_start", "run_end")


@dataclass(frozen=True)
class Call:
    """One span: its start event and its end event (None while the span is still open)."""

    start: Event
    end: Event | None

    @property
    def component(self) -> str:
        return str(self.start.get("component"))

    @property
    def name(self) -> str:
        return str(self.start.get("name"))

    @property
    def kind(self) -> str:
        """The event-type prefix: `llm_call`, `agent_execution`, `agent_turn`, ..."""
        return span_kind(str(self.start.get("event_type", "")))

    @property
    def status(self) -> str:
        """`completed`, `failed`, or `started` while the span is open."""
        return str((self.end or self.start).get("status"))

    @property
    def duration_ms(self) -> float | None:
        return (self.end or {}).get("duration_ms")

    @property
    def inputs(self) -> Any:
        return self.start.get("inputs")

    @property
    def outputs(self) -> Any:
        return (self.end or {}).get("outputs")

    @property
    def error(self) -> dict[str, Any] | None:
        return (self.end or {}).get("error")

    @property
    def usage(self) -> dict[str, Any] | None:
        return (self.end or {}).get("usage")

    @property
    def model(self) -> str | None:
        return (self.end or self.start).get("model")

    @property
    def event(self) -> Event:
        """The event that says how the call went: its end, or its start while open."""
        return self.end or self.start


class TraceAssertions:
    """The events of one run, with queries and assertions. Built on a `tracer.run.Run`."""

    def __init__(self, run: Any):
        self._run = run
        self._cache: tuple[int, list[Event]] | None = None

    def __repr__(self) -> str:  # shown by pytest beside a failing test's arguments
        return f"<TraceAssertions run {self.run_id} {self.path}>"

    # -- the run ------------------------------------------------------------------------------
    @property
    def run_id(self) -> str:
        return str(self._run.run_id)

    @property
    def paths(self) -> list[Path]:
        """The run's trace files, first segment first: `namel3ss-debug inspect` reads any of them."""
        return list(self._run.paths)

    @property
    def path(self) -> Path | None:
        """The run's first trace file (None before anything is written)."""
        paths = self.paths
        return paths[0] if paths else None

    # -- queries ------------------------------------------------------------------------------
    def events(self, event_type: str | None = None, component: str | None = None, name: str | None = None,
               status: str | None = None) -> list[Event]:
        """The run's events so far, in `seq` order; each argument given must match exactly."""
        wanted = {k: v for k, v in (("event_type", event_type), ("component", component), ("name", name),
                                    ("status", status)) if v is not None}
        return [e for e in self._events() if all(e.get(k) == v for k, v in wanted.items())]

    def calls(self, component: str, name: str | None = None) -> list[Call]:
        """The spans of `component` (named `name`, if given) as start/end pairs, in the order they started.

        Every span of the component counts: `calls("agent")` holds agent executions and agent turns
        (`Call.kind` tells them apart).
        """
        __tracebackhide__ = True
        _check_component(component)
        ends = {e.get("span_id"): e for e in self._events() if is_end(e["event_type"])}
        return [Call(e, ends.get(e.get("span_id"))) for e in self._events()
                if e["event_type"] not in _RUN_EVENTS and is_start(e["event_type"])
                and e.get("component") == component and (name is None or e.get("name") == name)]

    @property
    def errors(self) -> list[Event]:
        """Failed events: span ends with status `failed` and `error_occurred` events (never the run's own)."""
        return [e for e in self._events() if e["event_type"] not in _RUN_EVENTS
                and (e.get("status") == "failed" or e["event_type"] == "error_occurred")]

    @property
    def total_tokens(self) -> int:
        """Tokens of the LLM calls: `usage.total_tokens`, else input + output. Only `llm` spans count, as in
        `analyze`: an agent or a chain may record its calls' usage again as a total."""
        return sum(_tokens(e) for e in self._usage_events())

    @property
    def cost(self) -> float:
        """USD of the LLM calls: `cost_usd` where recorded, else priced as `analyze` prices (`price_overrides`,
        then genai-prices) on each model's summed tokens. Calls nothing prices are left out, so with any
        `unpriced_calls` this is a lower bound (`assert_max_cost` then refuses to pass)."""
        return self._pricing()[0]

    @property
    def unpriced_calls(self) -> list[Event]:
        """LLM call ends whose cost is unknown, so `cost` leaves them out: no price source knows their model, or
        they recorded neither usage nor a cost (`no_usage_calls`)."""
        _, unpriced, no_usage = self._pricing()
        return sorted(unpriced + no_usage, key=lambda e: e.get("seq", 0))

    @property
    def no_usage_calls(self) -> list[Event]:
        """LLM call ends with neither usage (input or output tokens) nor `cost_usd`: a stream made without
        `include_usage` reports none. Nothing can price them."""
        return self._pricing()[2]

    # -- assertions ---------------------------------------------------------------------------
    def assert_no_errors(self) -> None:
        """Fail when any event failed, listing the failed events."""
        __tracebackhide__ = True  # pytest shows the test's line, not ours
        errors = self.errors
        if errors:
            self._fail(f"expected no errors, found {plural(len(errors), 'failed event')}:", errors)

    def assert_called(self, component: str, name: str, times: int | None = None) -> None:
        """Fail unless `component:name` was called (exactly `times` times, when given)."""
        __tracebackhide__ = True  # pytest shows the test's line, not ours
        if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
            raise ValueError(f"times must be a whole number >= 0, not {times!r}")
        calls = self.calls(component, name)
        if (times is None and calls) or len(calls) == times:
            return
        if not calls:
            self._fail(f"expected {component}:{name} to be called{_times(times)}, it was not called"
                       f"{self._known_names(component, name)}", [])
        self._fail(f"expected {component}:{name} to be called{_times(times)}, it was called "
                   f"{plural(len(calls), 'time')}:", [c.event for c in calls])

    def assert_not_called(self, component: str, name: str | None = None) -> None:
        """Fail when `component:name` (any span of `component` without a name) was called, listing the calls."""
        __tracebackhide__ = True  # pytest shows the test's line, not ours
        calls = self.calls(component, name)
        if calls:
            what = f"{component}:{name}" if name is not None else f"any {component} call"
            self._fail(f"expected {what} not to be called, it was called {plural(len(calls), 'time')}:",
                       [c.event for c in calls])

    def assert_max_tokens(self, limit: int) -> None:
        """Fail when the LLM calls used more than `limit` tokens, listing them, most tokens first."""
        __tracebackhide__ = True  # pytest shows the test's line, not ours
        total = self.total_tokens
        if total > limit:
            heaviest = sorted(self._usage_events(), key=_tokens, reverse=True)
            self._fail(f"expected at most {limit} tokens, the LLM calls used {total}; most tokens first:",
                       heaviest)

    def assert_max_cost(self, usd: float) -> None:
        """Fail when the LLM calls cost more than `usd`, or when some cannot be priced (the limit would be a guess)."""
        __tracebackhide__ = True  # pytest shows the test's line, not ours
        cost, unpriced, no_usage = self._pricing()
        if no_usage:
            self._fail(f"cannot check a cost limit of ${usd:g}: {plural(len(no_usage), 'LLM call')} recorded no usage, "
                       "so the cost is unknown (a stream reports usage only when asked: "
                       "stream_options={'include_usage': True}):", no_usage)
        if unpriced:
            models = ", ".join(sorted({str(e.get("model")) for e in unpriced}))
            self._fail(f"cannot check a cost limit of ${usd:g}: {plural(len(unpriced), 'LLM call')} of model {models} "
                       f"{'has' if len(unpriced) == 1 else 'have'} no price "
                       "(give one with @pytest.mark.n3trace(price_overrides={...}) or "
                       f"price_overrides in .namel3ss/debug.json):", unpriced)
        if cost > usd:
            calls = sorted(self._usage_events(), key=_tokens, reverse=True)
            self._fail(f"expected a cost of at most ${usd:g}, the LLM calls cost ${cost:.6g}; most tokens first:",
                       calls)

    # -- internals ----------------------------------------------------------------------------
    def _events(self) -> list[Event]:
        run = self._run
        run.recorder.flush()
        written = run.recorder.seq
        if self._cache is None or self._cache[0] != written:
            events = list(_read(run.paths))
            if run.recorder.errors or (written and not events):
                raise AssertionError(f"n3trace: this test's trace could not be written ({run.recorder.errors} "
                                     "tracer errors; see the warnings on stderr), so no assertion on it can hold")
            self._cache = (written, events)
        return self._cache[1]

    def _usage_events(self) -> list[Event]:
        """The ends of `llm` spans that reported usage."""
        return [e for e in self._events() if is_end(e["event_type"]) and isinstance(e.get("usage"), dict)
                and e.get("component") == "llm"]

    def _pricing(self) -> tuple[float, list[Event], list[Event]]:
        """(the cost of the priced calls, the calls of a model nothing prices, the calls without usage)."""
        from ..analysis.summary import usage_recorded  # noqa: PLC0415 - the one definition of a usage

        recorded = 0.0
        open_tokens: dict[str, list[int]] = {}
        open_events: dict[str, list[Event]] = {}
        unpriced: list[Event] = []
        no_usage: list[Event] = []
        for event in self._events():
            if not is_end(event["event_type"]) or event.get("component") != "llm":
                continue
            if isinstance(event.get("cost_usd"), (int, float)):  # priced whatever its usage
                recorded += event["cost_usd"]
            elif not usage_recorded(event.get("usage")):
                no_usage.append(event)
            elif event.get("model"):
                tokens = open_tokens.setdefault(event["model"], [0, 0])
                tokens[0] += int(event["usage"].get("input_tokens") or 0)
                tokens[1] += int(event["usage"].get("output_tokens") or 0)
                open_events.setdefault(event["model"], []).append(event)
            else:
                unpriced.append(event)
        if open_tokens:
            from ..analysis.prices import Pricer  # noqa: PLC0415 - only when a call has no recorded cost

            pricer = Pricer(overrides=self._run.settings.price_overrides)
            for model, (tokens_in, tokens_out) in open_tokens.items():
                usd, _ = pricer.price(model, tokens_in, tokens_out)
                if usd is None:
                    unpriced.extend(open_events[model])
                else:
                    recorded += usd
        return recorded, sorted(unpriced, key=lambda e: e.get("seq", 0)), no_usage

    def _known_names(self, component: str, name: str) -> str:
        names = Counter(c.name for c in self.calls(component))
        if not names:
            return f"; no {component} call was recorded"
        listed = ", ".join(f"{_field(n)} ({k})" for n, k in names.most_common())
        close = difflib.get_close_matches(name, list(names), n=1)
        return f"; {component} calls recorded: {listed}" + (f" (did you mean {_field(close[0])}?)" if close else "")

    def _fail(self, headline: str, events: list[Event]) -> None:
        __tracebackhide__ = True
        raise AssertionError(failure_message(headline, events, self.path))


def failure_message(headline: str, events: list[Event], path: Path | None) -> str:
    """The headline, one line per event (at most `MAX_LISTED`), and where the trace is."""
    lines = [visible(headline)]
    lines += [f"  {describe(e)}" for e in events[:MAX_LISTED]]
    if len(events) > MAX_LISTED:
        lines.append(f"  ... and {len(events) - MAX_LISTED} more")
    if path is not None:
        lines.append(f"trace: {_field(str(path))}")
    return "\n".join(lines)


def describe(event: Event) -> str:
    """One event as one line: seq, type, component:name, status, error, model, tokens, cost, duration."""
    parts = [f"seq {event.get('seq')}", _field(event.get("event_type")),
             f"{_field(event.get('component'))}:{_field(event.get('name'))}", _field(event.get("status"))]
    error = event.get("error")
    if isinstance(error, dict):
        parts.append(f"{_field(error.get('type'))}: {_field(error.get('message'))}")
    elif error is not None:
        parts.append(_field(error))
    if event.get("model"):
        parts.append(f"model {_field(event['model'])}")
    if isinstance(event.get("usage"), dict):
        parts.append(f"{_tokens(event)} tokens")
    elif event.get("component") == "llm" and is_end(str(event.get("event_type", ""))):
        parts.append("no usage")
    if isinstance(event.get("cost_usd"), (int, float)):
        parts.append(f"${event['cost_usd']:.6g}")
    if isinstance(event.get("duration_ms"), (int, float)):
        parts.append(f"{event['duration_ms']:g} ms")
    return "  ".join(parts)


def _field(value: Any) -> str:
    """One value on one line: control characters, newlines and tabs made visible, long text cut."""
    text = visible(str(value)).replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= MAX_FIELD else text[:MAX_FIELD] + "..."


def _read(paths: Iterable[Path]) -> Iterable[Event]:
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:  # a segment pruned by max_files_per_run
            continue
        for line in data.splitlines():
            try:
                yield orjson.loads(line)
            except orjson.JSONDecodeError:  # a line cut by a failed write: the reader skips it too
                continue


def _tokens(event: Event) -> int:
    """As `analyze` counts them (`namel3ss_debug.testing`, which apps import, loads no analysis until asked)."""
    from ..analysis.fields import tokens_of  # noqa: PLC0415 - loaded on use: an unused plugin stays light

    return tokens_of(event) or 0


def _check_component(component: str) -> None:
    __tracebackhide__ = True
    if component not in COMPONENTS:
        close = difflib.get_close_matches(component, COMPONENTS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f"unknown component {component!r}{hint}; components are {', '.join(COMPONENTS)}")


def _times(times: int | None) -> str:
    return "" if times is None else f" {plural(times, 'time')}"
