"""A `--prices FILE` (`analyze`, `report`, `view`): model prices in the shape of `price_overrides`, read from a
file of their own, bounded like the workspace file (`model.limits.CONFIG_BYTES_MAX`), each model's prices
checked where it is written (`prices.json:3:5`). Stdlib only, like the configuration it mirrors.
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from namel3ss_debug.config.document import read_json_document
from namel3ss_debug.config.rules import parse_value

OPTION = "--prices"
EXAMPLE = '{"gpt-4o": {"input": 2.5, "output": 10}}'  # USD per million tokens


def read_prices_file(path: Path) -> dict[str, dict[str, float]]:
    """`{"model": {"input": USD per 1M tokens, "output": ...}}` from `path`; a `ConfigError` (exit 2) names the
    file and the line and column of the model at fault, or what is wrong with the file itself."""
    display = f"{OPTION} {path}"
    document = read_json_document(path, display, example=EXAMPLE)
    prices: dict[str, dict[str, float]] = {}
    for model, pair in document.data.items():
        where = f"{display}:{document.positions.line_col(document.positions.paths[(model,)])}"
        # what `parse_value` returns for price_overrides: model -> {"input": float, "output": float}
        checked = parse_value("price_overrides", {model: pair}, from_env=False, where=where)
        prices.update(cast("dict[str, dict[str, float]]", checked))
    return prices
