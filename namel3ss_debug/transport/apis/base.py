"""What every decoded API offers the transport: the `Api` contract, the `Request` it reads from a
request body, and `BodyApi`, the defaults shared by the APIs whose body names the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from .errors import error_message
from .neutral import NeutralAnswer
from .values import field, text


@dataclass(frozen=True)
class Request:
    """A request as an LLM span records it: the model asked for, whether the answer streams, and
    the parameters as sent (`inputs`, the body itself when nothing is added to it)."""

    model: str | None
    streamed: bool
    inputs: dict[str, Any]


class Api(Protocol):
    """One LLM API family, decoded. Every method takes what the wire had and never raises: a field
    of the wrong type or a missing one is simply not in the result."""

    @property
    def name(self) -> str:
        """The span name, e.g. `openai.chat`."""

    @property
    def provider(self) -> str:
        """Who serves it, e.g. `openai`, `groq`, `openai-compatible`."""

    def request(self, path: str, body: Any) -> Request:
        """The model, streamed flag and inputs of a request body."""

    def response(self, body: Any) -> dict[str, Any]:
        """The outputs of a whole JSON response: text, tool_calls, finish_reason, usage, model, id."""

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        """What the frames of a streamed response add up to, as `response()` would say it."""

    def is_token(self, frame: dict[str, Any]) -> bool:
        """Whether this frame carries output (text or a tool call): the first one is time-to-first-token."""

    def error_message(self, body: Any) -> str | None:
        """The message of an API error body."""

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        """A response record saying `said` (a text, tool calls): `{status, headers, body}` or `{status, headers,
        framing, frames}`. An API that can only say a text raises AnswerShapeError for tool calls."""


@dataclass(frozen=True)
class BodyApi:
    """Defaults for APIs whose body names the model and asks for a stream with `"stream": true`."""

    provider: str
    name: ClassVar[str] = ""

    def request(self, path: str, body: Any) -> Request:
        inputs = body if isinstance(body, dict) else {}
        return Request(text(field(inputs, "model")), inputs.get("stream") is True, inputs)

    def error_message(self, body: Any) -> str | None:
        return error_message(body)
