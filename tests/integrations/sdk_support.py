"""What the SDK tests need to know of an SDK, so that one test holds for the openai and the anthropic SDK:
the app it is recorded with, where its calls are in that app, and the few places their APIs differ (the
request body, the finish reasons, the usage, the errors).

Each SDK's app (sdk_openai.py, sdk_anthropic.py) makes its calls in three parts, one after the other:
`main` (plain, tools, streams, keys in headers, the key from the environment, raw responses, the stream
helpers; sync and async), `errors` (failed calls, then a stream whose server breaks it) and `early`
(streams from a server that stalls, closed or dropped before they have all come). One recording and
one rerun of it serve every test of the three.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.util import find_spec
from typing import Any, Callable

import pytest

Event = dict[str, Any]

PARTS = ("main", "errors", "early")


@dataclass(frozen=True)
class PlainCall:
    """A call of the main part that is neither streamed nor asks for a tool: its place, the label of
    what the app printed of it, its model and the request body the SDK sends."""

    index: int
    label: str
    model: str
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Failure:
    """A failed call of the errors part: its label, the SDK error the app got, the span's error type
    and category."""

    label: str
    app_error: str
    error_type: str
    category: str


@dataclass(frozen=True)
class Sdk:
    """One SDK as the tests see it; `app` is the recorded app (reading STUB_URL, STUB_KEY, the key
    variable, and the addresses of the servers that break, stall or are stopped: BROKEN_URL,
    STALLED_URL, DEAD_URL)."""

    module: str
    name: str  # the LLM spans' name
    provider: str  # the provider the spans name, for the stub's address
    app: str
    sizes: dict[str, int]  # the number of calls of each part, in the order of PARTS
    first_frames: list[dict[str, Any]]  # what the breaking and stalling servers send first
    key_variable: str  # where the SDK reads its key from, when the app gives none
    plain_calls: tuple[PlainCall, ...]
    endpoint: Callable[[Any], str]  # the URL a call posts to, given the stub server
    tools: list[dict[str, Any]]  # the tools offered by the main part's call 1
    finish_reasons: tuple[str, str]  # of an answer, of a request for a tool
    tool_label: str  # the label of the line the app prints of the tool call
    recorded_arguments: Callable[[str], Any]  # the tool call's arguments as recorded, from the JSON the app printed
    usage_of: Callable[[dict[str, Any]], dict[str, int]]  # a response body's usage, as a span records it
    failures: tuple[Failure, ...]  # the errors part's calls but the last, the broken stream
    early_texts: list[str | None]  # the text of each stream of the early part, as far as the app read it
    broken_stream_error: str  # the error the app gets from the broken stream
    one_call_app: str  # one LLM call, after one request that is not one
    other_request: tuple[str, str]  # that request: the label the app prints of it, its path

    def calls(self, traced: Any, part: str) -> list[tuple[Event, Event]]:
        """(start, end) of each LLM span of `part` of the app, in order."""
        first = sum(self.sizes[earlier] for earlier in PARTS[:PARTS.index(part)])
        calls = traced.llm_calls(self.name)
        assert len(calls) == sum(self.sizes.values()), f"{len(calls)} LLM spans, not {self.sizes}"
        return calls[first:first + self.sizes[part]]

    def param(self, *values: Any, id: str = "") -> Any:
        """`pytest.param(self, *values)`, skipped when the SDK is not installed."""
        missing = find_spec(self.module) is None
        return pytest.param(self, *values, id="-".join(filter(None, (self.module, id))),
                            marks=pytest.mark.skipif(missing, reason=f"the {self.module} SDK is not installed: "
                                                                     f"pip install {self.module}"))
