"""Where a recorded run's LLM requests went: the origins `verify --live`, `bisect --live` and a fork with no
`--base-url` name before they run (their live calls go where the app sends them; these are where it sent them)."""

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
