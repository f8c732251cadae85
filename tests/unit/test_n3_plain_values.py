"""namel3ss values as JSON for the trace: `plain` runs inside the app's calls, so it must never raise."""

from __future__ import annotations

from decimal import Decimal

from namel3ss_debug.integrations.namel3ss.results import plain


def test_decimals_become_numbers_and_non_finite_ones_text() -> None:
    assert plain({"n": Decimal(3), "x": Decimal("2.5"), "inf": Decimal("Infinity"), "nan": Decimal("NaN")}) == \
        {"n": 3, "x": 2.5, "inf": "Infinity", "nan": "NaN"}


def test_a_value_it_cannot_walk_is_recorded_as_its_repr() -> None:
    cycle: list = []
    cycle.append(cycle)
    assert plain(cycle) == "[[...]]"

    class Raising:
        def __repr__(self) -> str:
            return "<raising>"

        def __iter__(self):  # to_jsonable may try to iterate it
            raise RuntimeError("no")

    assert plain({"v": Raising()}) == {"v": "<raising>"}
