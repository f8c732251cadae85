"""Model prices and context windows: `--prices FILE`, then `price_overrides`, then the genai-prices package.

Prices are USD per million tokens. A model's calls are priced on their summed tokens, which is exact
for per-token prices; genai-prices' tiered prices (a higher rate past some prompt size) are applied
to the sums, so for such models the figure is an estimate. genai-prices reads the price data bundled
with the installed package and never goes to the network here; what it says of a model is written down once
per installed version (`price_table.py`).
"""

from __future__ import annotations

from typing import Mapping

from .price_table import PriceTable

PRICES_FILE = "prices_file"
OVERRIDES = "price_overrides"
GENAI_PRICES = "genai-prices"


class Pricer:
    """Prices a model's tokens from the first source that knows the model; genai-prices through `table`
    (`price_table.py`: its answers written down per installed version, so most commands never import it)."""

    def __init__(self, file_prices: Mapping[str, Mapping[str, float]] | None = None,
                 overrides: Mapping[str, Mapping[str, float]] | None = None, table: PriceTable | None = None):
        self.sources = ((PRICES_FILE, file_prices or {}), (OVERRIDES, overrides or {}))
        self.table = table if table is not None else PriceTable()

    def price(self, model: str, input_tokens: int, output_tokens: int) -> tuple[float | None, str | None]:
        """`(usd, source)`, or `(None, None)` when no source prices the model."""
        for source, table in self.sources:
            if model in table:
                rates = table[model]
                return (input_tokens * rates["input"] + output_tokens * rates["output"]) / 1_000_000, source
        usd = self.table.price(model, input_tokens, output_tokens)
        return (usd, GENAI_PRICES) if usd is not None else (None, None)

    def context_window(self, model: str) -> int | None:
        """The model's context window in tokens, when genai-prices knows it."""
        return self.table.model(model)[1]
