"""Where a recorded run's LLM requests went: the endpoints a rerun's live calls go to when the app's own are
wanted (`verify --live`, `bisect --live`, a fork with no `--base-url`)."""

from __future__ import annotations

from urllib.parse import urlsplit

from .timeline import Timeline


def endpoints_of(timeline: Timeline) -> tuple[str, ...]:
    """Where the recorded run's LLM requests went (`scheme://host:port` of each `attrs.http.url`), each once, in
    the order first seen: where `--live` sends the calls the recording cannot answer."""
    found: dict[str, None] = {}
    for index in range(len(timeline)):
        if timeline.component(index) != "llm" or not timeline.event_type(index).endswith("_start"):
            continue
        attrs = timeline.event(index).get("attrs")
        http = attrs.get("http") if isinstance(attrs, dict) else None
        url = http.get("url") if isinstance(http, dict) else None
        parts = urlsplit(url) if isinstance(url, str) else None
        if parts is not None and parts.scheme and parts.netloc:
            found[f"{parts.scheme}://{parts.netloc}"] = None
    return tuple(found)
