"""OpenAI Embeddings (`POST .../embeddings` with an `input`). The outputs are how many vectors came
back and their size, not the vectors. The openai SDK asks for `encoding_format: "base64"` unless the
app chose a format, so a vector is often a base64 string of little-endian float32s."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from .base import BodyApi
from .neutral import NeutralAnswer, text_only
from .records import json_record
from .usage import usage
from .values import count, field, identified, put

_FLOAT32 = 4  # bytes


@dataclass(frozen=True)
class OpenAIEmbeddings(BodyApi):
    """`openai.embeddings`: vectors for the inputs; never streamed."""

    name: ClassVar[str] = "openai.embeddings"

    def response(self, body: Any) -> dict[str, Any]:
        vectors = field(body, "data")
        outputs: dict[str, Any] = {}
        if isinstance(vectors, list):
            outputs["embeddings"] = len(vectors)
            put(outputs, "dimensions", dimensions(field(vectors, 0, "embedding")))
        tokens = count(field(body, "usage", "prompt_tokens"))
        put(outputs, "usage", usage(tokens, None, count(field(body, "usage", "total_tokens"))))
        return identified(outputs, body)

    def stream(self, frames: list[dict[str, Any]]) -> dict[str, Any]:
        return {}  # the API has no streamed form

    def is_token(self, frame: dict[str, Any]) -> bool:
        return False

    def mock(self, said: NeutralAnswer, model: str | None, streamed: bool) -> dict[str, Any]:
        """An embeddings response has no text to say: the mock is one one-dimensional zero vector."""
        text_only(said, self.name)
        return json_record({"object": "list", "model": model or "mock",
                            "data": [{"object": "embedding", "index": 0, "embedding": [0.0]}],
                            "usage": {"prompt_tokens": 0, "total_tokens": 0}})


def dimensions(vector: Any) -> int | None:
    """A vector's length: a list of floats, or base64 float32s (measured without decoding them)."""
    if isinstance(vector, list):
        return len(vector)
    if isinstance(vector, str):
        padding = len(vector) - len(vector.rstrip("="))
        return (len(vector) * 3 // 4 - padding) // _FLOAT32
    return None
