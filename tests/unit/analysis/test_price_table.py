"""genai-prices' answers written down per installed version: the same prices to the last digit, read back
without importing genai-prices, and a file that is damaged or missing costs only the speed."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from genai_prices import data_snapshot

from namel3ss_debug.analysis.price_table import PriceTable, table_path

genai_prices = pytest.importorskip("genai_prices")


def genai(model: str, input_tokens: int, output_tokens: int) -> float | None:
    try:
        result = genai_prices.calc_price(genai_prices.Usage(input_tokens=input_tokens, output_tokens=output_tokens),
                                         model_ref=model)
    except (LookupError, ValueError):
        return None
    return float(result.total_price)


def model_names(count: int) -> list[str]:

    names = [model.id for provider in data_snapshot.get_snapshot().providers for model in provider.models]
    return random.Random(5).sample(names, count)


def test_every_price_is_genai_prices_own_to_the_last_digit(tmp_path) -> None:
    rng = random.Random(11)
    written = PriceTable(tmp_path / "prices.json")
    for name in [*model_names(120), "gpt-4o", "claude-3-5-sonnet-latest", "gemini-1.5-pro", "no-such-model"]:
        for _ in range(3):
            tokens = rng.randrange(0, 3_000_000), rng.randrange(0, 300_000)
            assert written.price(name, *tokens) == genai(name, *tokens), (name, tokens)
    reread = PriceTable(tmp_path / "prices.json")  # now from the file
    assert reread.price("gpt-4o", 123_456, 7_890) == genai("gpt-4o", 123_456, 7_890)


def test_a_per_token_model_is_written_down_with_its_rates_and_an_unknown_one_as_unknown(tmp_path) -> None:
    table = PriceTable(tmp_path / "prices.json")
    table.price("gpt-4o", 1, 1)
    table.price("no-such-model", 1, 1)
    models = json.loads((tmp_path / "prices.json").read_text())["models"]
    assert models["gpt-4o"][:2] == ["gpt-4o", 128000] and len(models["gpt-4o"]) == 5
    assert models["no-such-model"] is None


def test_the_context_window_comes_from_the_file_too(tmp_path) -> None:
    PriceTable(tmp_path / "prices.json").model("gpt-4o")
    assert PriceTable(tmp_path / "prices.json").model("gpt-4o") == ("gpt-4o", 128000)


@pytest.mark.parametrize("content", [b"", b"not json", b'{"models": {"gpt-4o": ["gpt-4o", 1, "x"]}}', b"[1, 2]"])
def test_a_damaged_file_is_read_past(tmp_path, content) -> None:
    (tmp_path / "prices.json").write_bytes(content)
    assert PriceTable(tmp_path / "prices.json").price("gpt-4o", 1000, 10) == genai("gpt-4o", 1000, 10)


def test_a_file_that_cannot_be_written_costs_only_the_speed(tmp_path) -> None:
    (tmp_path / "blocker").write_text("a file where the directory should be")
    table = PriceTable(tmp_path / "blocker" / "prices.json")
    assert table.price("gpt-4o", 1000, 10) == genai("gpt-4o", 1000, 10)


def test_the_file_is_in_the_cache_directory_named_after_the_installed_data() -> None:
    path = table_path({"XDG_CACHE_HOME": "/c", "HOME": "/h"})
    assert path.parent == Path("/c/namel3ss-debug") and path.name.startswith("genai-prices-")
    assert table_path({"HOME": "/h"}).parent == Path("/h/.cache/namel3ss-debug")
    assert table_path({}) is None


def test_a_second_command_does_not_import_genai_prices(tmp_path) -> None:
    script = ("import sys\nfrom namel3ss_debug.analysis.price_table import PriceTable, table_path\n"
              "table = PriceTable(table_path({'XDG_CACHE_HOME': sys.argv[1]}))\n"
              "print(table.price('gpt-4o', 1000, 10), 'genai_prices' in sys.modules)\n")
    first, second = (subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                                    check=True).stdout.split() for _ in range(2))
    assert (first[1], second[1]) == ("True", "False") and first[0] == second[0]
