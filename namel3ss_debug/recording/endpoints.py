"""Where a run's LLM requests went: the recording's origins, which `verify --live`, `bisect --live` and a fork with
no `--base-url` name before they run (where the app sent them then), and a rerun's live ones, read from the trace it
wrote (where the app's current code sent them: what each report names); and which API a recorded request used
(`request_api`: a fork's change, and `diagnose --experiment`'s fork points, apply only to requests on the wire)."""

from __future__ import annotations

from urllib.parse import urlsplit

from ..model.errors import TraceError
from ..model.limits import shown
from .timeline import Timeline


def endpoints_of(timeline: Timeline) -> tuple[str, ...]:
    """Where the recorded run's LLM requests went (`scheme://host:port` of each `attrs.http.url`), each once, in
    the order first seen. TraceError (exit 3) for a URL that does not parse (`http://[oops]/v1`), at its line."""
    found: dict[str, None] = {}
    for index in range(len(timeline)):
        if timeline.component(index) != "llm" or not timeline.event_type(index).endswith("_start"):
            continue
        attrs = timeline.event(index).get("attrs")
        http = attrs.get("http") if isinstance(attrs, dict) else None
        url = http.get("url") if isinstance(http, dict) else None
        origin = _origin(url, timeline.where(index)) if isinstance(url, str) else None
        if origin is not None:
            found[origin] = None
    return tuple(found)


def live_origins(timeline: Timeline) -> tuple[str, ...]:
    """Where a rerun's LLM requests that ran live went (`attrs.replay: "live"` on the end; the end's `sent_to` when
    `--base-url` sent it elsewhere, else the start's `attrs.http.url`, of an `llm` call or of the `http` request an
    OpenTelemetry LLM span made), each once, in the order first seen: URLs its recording cannot know."""
    found: dict[str, None] = {}
    for index in range(len(timeline)):
        start = timeline.partner(index) if timeline.event_type(index).endswith("_end") else None
        attrs = timeline.event(index).get("attrs")
        if start is None or not isinstance(attrs, dict) or attrs.get("replay") != "live":
            continue
        url = _llm_url(timeline.event(start).get("attrs"), timeline.component(start))
        sent_to = attrs.get("sent_to")
        url = sent_to if url is not None and isinstance(sent_to, str) else url
        origin = _origin(url, timeline.where(start)) if url is not None else None
        if origin is not None:
            found[origin] = None
    return tuple(found)


def _llm_url(attrs: object, component: str) -> str | None:
    """The URL of an LLM request's start attrs: an `llm` call's, or an `http` request's that names its `api`."""
    http = attrs.get("http") if isinstance(attrs, dict) else None
    url = http.get("url") if isinstance(http, dict) else None
    llm = component == "llm" or (component == "http" and isinstance(attrs, dict) and "api" in attrs)
    return url if llm and isinstance(url, str) else None


def _origin(url: str, where: str) -> str | None:
    """`scheme://netloc` of a recorded URL; None for one with no scheme or host."""
    try:
        parts = urlsplit(url)
    except ValueError as error:  # a bracketed host that is no IPv6 address, an unclosed `[`
        why = str(error)[:80]
        raise TraceError(f"the recorded LLM request's attrs.http.url {shown(url, 80)} is not a URL: {why}",
                         where=where,
                         hint="correct the URL on that line, or give --base-url URL to send live calls there") from None
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def request_api(attrs: object) -> str | None:
    """The LLM API of a recorded request's span, from its start's `attrs` (`attrs.api` beside `attrs.http`: a
    request on the wire, which a fork can send again), or None for any other call."""
    api = attrs.get("api") if isinstance(attrs, dict) and isinstance(attrs.get("http"), dict) else None
    return api if isinstance(api, str) else None
