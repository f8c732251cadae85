"""A request as a rerun's fork sends it (`replay --rerun --fork`): what every client hook asks before opening one.

An LLM request's body may be changed by the fork (`--ask` replaces the fork call's messages, `--model` the model
of it and of every later call): the change is made before the request's span opens, so the span records, and
the rerun matches, what is really sent. Where it goes is changed only when it runs live (`--base-url`): a
request answered from the recording is matched by its own endpoint, whatever the host.

    outgoing, live = forked(tracer, outgoing)   # live: the Target to send to if it runs live, or None
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

import orjson

from . import apis
from .request import Outgoing
from .wire import request_body


@dataclass(frozen=True)
class ForkTarget:
    """Where a live request goes instead of the app's URL: `url` with its query, `host` with its port."""

    url: str
    scheme: str
    host: str
    path: str
    shown: str  # as the trace shows it (query values that look like secrets redacted)


def forked(tracer: Any, outgoing: Outgoing) -> tuple[Outgoing, ForkTarget | None]:
    """`outgoing` with the body the rerun sends (`RerunSource.live_request`), and where it goes if it runs live
    (None: where the app sent it). Outside a rerun, or for a request that is no LLM call, both unchanged."""
    rerun = tracer.rerun
    if rerun is None or tracer.run is None:
        return outgoing, None
    body = request_body(outgoing.body, outgoing.content_type)
    api = apis.recognise(outgoing.method, outgoing.host.lower(), outgoing.path, body)
    if api is None:
        return outgoing, None
    url = raw_url(outgoing)
    sent, live_url = rerun.live_request(api.name, body, url)
    if sent is not body:
        outgoing = replace(outgoing, body=orjson.dumps(sent))
    return outgoing, _target(outgoing, live_url) if live_url != url else None


def raw_url(outgoing: Outgoing) -> str:
    """The URL the request is sent to, its query as given."""
    return f"{outgoing.scheme}://{outgoing.host}{outgoing.path}" + (f"?{outgoing.query}" if outgoing.query else "")


def _target(outgoing: Outgoing, url: str) -> ForkTarget:
    parts = urlsplit(url)
    moved = replace(outgoing, scheme=parts.scheme, host=parts.netloc, path=parts.path or "/")
    return ForkTarget(url, parts.scheme, parts.netloc, parts.path or "/", moved.url())


def sent_to(exchange: Any, target: ForkTarget | None) -> None:
    """Note on a live request's span where it went, when that is not where the app sent it (`attrs.sent_to`)."""
    if target is not None:
        exchange.span.set_attribute("sent_to", target.shown)
