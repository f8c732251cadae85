"""Model prices and context windows: `--prices FILE`, then `price_overrides`, then the genai-prices package.

Prices are USD per million tokens. A model's calls are priced on their summed tokens, which is exact
for per-token prices; genai-prices' tiered prices (a higher rate past some prompt size) are applied
to the sums, so for such models the figure is an estimate. genai-prices reads the price data bundled
with the installed package and never goes to the network here.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Mapping

PRICES_FILE = "prices_file"
OVERRIDES = "price_overrides"
GENAI_PRICES = "genai-prices"


class Pricer:
    """Prices a model's tokens from the first source that knows the model."""

    def __init__(self, file_prices: Mapping[str, Mapping[str, float]] | None = None,
                 overrides: Mapping[str, Mapping[str, float]] | None = None):
        self.sources = ((PRICES_FILE, file_prices or {}), (OVERRIDES, overrides or {}))

    def price(self, model: str, input_tokens: int, output_tokens: int) -> tuple[float | None, str | None]:
        """`(usd, source)`, or `(None, None)` when no source prices the model."""
        for source, table in self.sources:
            if model in table:
                rates = table[model]
                return (input_tokens * rates["input"] + output_tokens * rates["output"]) / 1_000_000, source
        usd = _genai_price(model, input_tokens, output_tokens)
        return (usd, GENAI_PRICES) if usd is not None else (None, None)

    def context_window(self, model: str) -> int | None:
        """The model's context window in tokens, when genai-prices knows it."""
        return _genai_model(model)[1]


def _genai_price(model: str, input_tokens: int, output_tokens: int) -> float | None:
    if _genai_model(model)[0] is None:
        return None
    from genai_prices import Usage, calc_price  # noqa: PLC0415 - its data takes a while to load

    try:
        result = calc_price(Usage(input_tokens=input_tokens, output_tokens=output_tokens), model_ref=model)
    except (LookupError, ValueError):
        return None
    return float(result.total_price)


@lru_cache(maxsize=None)
def _genai_model(model: str) -> tuple[str | None, int | None]:
    """`(genai-prices model id, context window)` for a model name, or `(None, None)`."""
    try:
        from genai_prices import Usage, calc_price  # noqa: PLC0415

        result = calc_price(Usage(input_tokens=0, output_tokens=0), model_ref=model)
    except (ImportError, LookupError, ValueError):
        return None, None
    window = getattr(result.model, "context_window", None)
    return result.model.id, window if isinstance(window, int) else None
