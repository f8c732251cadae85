"""Token usage in one vocabulary for every API: `input_tokens`, `output_tokens`, `total_tokens`, and
where the API reports them `cache_read_input_tokens`, `cache_creation_input_tokens`, `reasoning_tokens`.

The counts mean the same whoever served the call (genai-prices reads vendors' usage the same way):
`input_tokens` is all the model read, cached or not (Anthropic reports the cache reads and writes
beside its `input_tokens`, so they are added in), `output_tokens` all it wrote, reasoning included
(Gemini reports its thoughts beside its candidates).
"""

from __future__ import annotations

from typing import Any

from .values import count, field


def usage(input_tokens: int | None, output_tokens: int | None, total_tokens: int | None = None,
          **details: int | None) -> dict[str, int] | None:
    """The counts found, with `total_tokens` summed when the API gave none; None when none were found."""
    given = {"input_tokens": input_tokens, "output_tokens": output_tokens}
    found = {key: value for key, value in given.items() if value is not None}
    if not found:
        return None
    total = total_tokens if total_tokens is not None else sum(found.values())
    return {**found, "total_tokens": total, **{key: value for key, value in details.items() if value is not None}}


def openai_usage(value: Any) -> dict[str, int] | None:
    """OpenAI Chat Completions / Completions / Embeddings `usage`."""
    if not isinstance(value, dict):  # a stream's chunks but its last carry none: read once a call or a chunk
        return None
    prompt, completion = _details(value, "prompt_tokens_details"), _details(value, "completion_tokens_details")
    return usage(count(value.get("prompt_tokens")), count(value.get("completion_tokens")),
                 count(value.get("total_tokens")),
                 cache_read_input_tokens=count(prompt.get("cached_tokens")),
                 cache_creation_input_tokens=count(prompt.get("cache_write_tokens")),
                 reasoning_tokens=count(completion.get("reasoning_tokens")))


def _details(value: dict[str, Any], key: str) -> dict[str, Any]:
    details = value.get(key)
    return details if isinstance(details, dict) else {}


def responses_usage(value: Any) -> dict[str, int] | None:
    """OpenAI Responses `usage`."""
    return usage(count(field(value, "input_tokens")), count(field(value, "output_tokens")),
                 count(field(value, "total_tokens")),
                 cache_read_input_tokens=count(field(value, "input_tokens_details", "cached_tokens")),
                 cache_creation_input_tokens=count(field(value, "input_tokens_details", "cache_write_tokens")),
                 reasoning_tokens=count(field(value, "output_tokens_details", "reasoning_tokens")))


def anthropic_usage(value: Any) -> dict[str, int] | None:
    """Anthropic `usage`: its `input_tokens` are the uncached ones, so the cache reads and writes are added."""
    read = count(field(value, "cache_read_input_tokens"))
    written = count(field(value, "cache_creation_input_tokens"))
    fresh = count(field(value, "input_tokens"))
    parts = [part for part in (fresh, read, written) if part is not None]
    return usage(sum(parts) if parts else None, count(field(value, "output_tokens")),
                 cache_read_input_tokens=read, cache_creation_input_tokens=written)


def gemini_usage(value: Any) -> dict[str, int] | None:
    """Gemini `usageMetadata`: thoughts are output, tool-use prompts are input, as Google bills them."""
    thoughts = count(field(value, "thoughtsTokenCount"))
    return usage(_sum(field(value, "promptTokenCount"), field(value, "toolUsePromptTokenCount")),
                 _sum(field(value, "candidatesTokenCount"), thoughts), count(field(value, "totalTokenCount")),
                 cache_read_input_tokens=count(field(value, "cachedContentTokenCount")), reasoning_tokens=thoughts)


def _sum(*values: Any) -> int | None:
    counts = [found for found in map(count, values) if found is not None]
    return sum(counts) if counts else None
