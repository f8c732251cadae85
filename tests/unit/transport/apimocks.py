"""What the API codecs' tests share: the mock a codec makes of an answer, and what the codec reads back from it."""

from __future__ import annotations

from typing import Any

from namel3ss_debug.transport.apis.neutral import NeutralAnswer


def mocked(api: Any, text: str, model: str | None, streamed: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The mock `api` makes of the answer `text` (whole, or `streamed`), and the outputs it reads from it."""
    record = api.mock(NeutralAnswer(text), model, streamed)
    return record, api.stream(record["frames"]) if streamed else api.response(record["body"])
