"""genai-prices' answers for the models traces name, kept in a small file per installed genai-prices.

Importing genai-prices takes about 150 ms (pydantic and its whole price data), more than a small run takes
to read. So what it says of a model is asked once and written down: the model's genai-prices id, its context
window, and, when the price is per token (the same rate whatever the count, and not changing with the
date), the price of no tokens and of a million input and a million output tokens. A later command prices
that model from the file, by the same Decimal arithmetic genai-prices does, so the answer is the same to
the last digit; the file is read in well under a millisecond. A model priced in tiers or by date is
still asked of genai-prices each time (the answer is not written down), and so is any model not yet in the
file. A model genai-prices does not know is written down as unknown.

The file is `genai-prices-<size>-<mtime>.json` (of the installed package's data) in the cache directory
(`$XDG_CACHE_HOME/namel3ss-debug`, else `~/.cache/namel3ss-debug`): installing another genai-prices version
starts a new file. A file that cannot be read or written costs only the speed.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import orjson

from ..config import cache_directory
from ..model.fs import Folder, read_beside
from ..model.json_types import Foreign, JsonValue

MILLION = Decimal(1_000_000)
# Token counts a per-token price is checked at before it is written down: each must give exactly what
# genai-prices gives.
_PROBES = ((1, 1), (123_457, 98_765), (3_000_000, 0), (0, 3_000_000), (250_001, 7), (1_999_999, 2_000_001))
_UNKNOWN = None
_LIMIT = 64 << 20  # a table far larger than genai-prices' whole data is not one we wrote


class PriceTable:
    """What genai-prices says of each model asked for: `(id, context window)` and the price of some tokens.

    `path`: the file to read and add to (None: ask genai-prices for each new model, keep nothing).
    """

    def __init__(self, path: Path | None = None):
        self.path = path
        self._entries: dict[str, list[JsonValue] | None] | None = None

    def model(self, name: str) -> tuple[str | None, int | None]:
        """`(genai-prices model id, context window)`, or `(None, None)` for a model it does not know."""
        entry = self._entry(name)
        return (entry[0], entry[1]) if entry is not None else (None, None)

    def price(self, name: str, input_tokens: int, output_tokens: int) -> float | None:
        """The USD price of the tokens, or None for a model genai-prices does not know."""
        entry = self._entry(name)
        if entry is None:
            return None
        if len(entry) == 5:
            return float(_linear(entry[2:], input_tokens, output_tokens))
        total = _ask(name, input_tokens, output_tokens)  # tiered or dated: genai-prices decides each time
        return float(total) if total is not None else None

    def _entry(self, name: str) -> list[JsonValue] | None:
        entries = self._load()
        if name not in entries:
            entries[name] = _resolve(name)
            self._save()
        return entries[name]

    def _load(self) -> dict[str, list[JsonValue] | None]:
        if self._entries is None:
            self._entries = {}
            if self.path is not None:
                try:
                    data = orjson.loads(read_beside(self.path, limit=_LIMIT, own=True) or b"{}")
                    models = data.get("models") if isinstance(data, dict) else None
                    if isinstance(models, dict):
                        self._entries = {name: entry for name, entry in models.items() if _valid(entry)}
                except (OSError, orjson.JSONDecodeError):
                    pass
        return self._entries

    def _save(self) -> None:
        if self.path is None:
            return
        data = orjson.dumps({"models": self._entries})
        try:
            with Folder.open(self.path.parent, make=True, private=True) as folder:  # the cache directory: ours alone
                folder.replace(self.path.name, lambda stream: stream.write(data))
        except OSError:
            pass  # a cache that cannot be written costs only the speed


def table_path(environ: Mapping[str, str]) -> Path | None:
    """The price file of the installed genai-prices under the cache directory; None without genai-prices,
    or without a cache directory (no XDG_CACHE_HOME and no HOME)."""
    try:
        spec = importlib.util.find_spec("genai_prices")
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None:
        return None
    try:
        status = os.stat(Path(spec.origin).with_name("data.py"))
    except OSError:
        return None
    directory = cache_directory(environ)
    return directory / f"genai-prices-{status.st_size}-{status.st_mtime_ns}.json" if directory is not None else None


def _valid(entry: JsonValue) -> bool:
    if entry is None:
        return True
    return (isinstance(entry, list) and len(entry) in (2, 5) and isinstance(entry[0], str)
            and (entry[1] is None or isinstance(entry[1], int)) and all(isinstance(rate, str) for rate in entry[2:]))


def _linear(rates: list[str], input_tokens: int, output_tokens: int) -> Decimal:
    base, per_input, per_output = (Decimal(rate) for rate in rates)
    return base + per_input * input_tokens / MILLION + per_output * output_tokens / MILLION


def _resolve(name: str) -> list[JsonValue] | None:
    """Ask genai-prices about a model: `[id, window]`, with `base, per M input, per M output` when its price
    is per token; None when genai-prices does not know it (or is not installed)."""
    result = _calc(name, 0, 0)
    if result is None:
        return _UNKNOWN
    window = getattr(result.model, "context_window", None)
    known: list[JsonValue] = [str(result.model.id), window if isinstance(window, int) else None]
    if isinstance(getattr(result.model, "prices", None), list):
        return known  # prices that change by date: asked each time
    base = result.total_price
    per_input, per_output = (_ask(name, *tokens) for tokens in ((1_000_000, 0), (0, 1_000_000)))
    if per_input is None or per_output is None:
        return known
    rates = [str(base), str(per_input - base), str(per_output - base)]
    if all(_linear(rates, *tokens) == _ask(name, *tokens) for tokens in _PROBES):
        return known + rates
    return known


def _ask(name: str, input_tokens: int, output_tokens: int) -> Decimal | None:
    result = _calc(name, input_tokens, output_tokens)
    return result.total_price if result is not None else None


def _calc(name: str, input_tokens: int, output_tokens: int) -> Foreign:
    try:
        from genai_prices import Usage, calc_price  # noqa: PLC0415 - 150 ms to import: only for a model not yet written down

        return calc_price(Usage(input_tokens=input_tokens, output_tokens=output_tokens), model_ref=name)
    except (ImportError, LookupError, ValueError):
        return None
