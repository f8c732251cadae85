"""Fixtures for the analysis tests."""

from __future__ import annotations

import pytest

from namel3ss_debug.analysis import tally as tally_module


@pytest.fixture(params=["compiled", "reference"])
def engine(request, monkeypatch):
    """Each test once through the compiled pass and once through its Python reference."""
    if request.param == "compiled" and not tally_module.ACCELERATED:
        pytest.skip("the C extension was not compiled on this install")
    if request.param == "reference":
        monkeypatch.setattr(tally_module, "_compiled", None)
    return request.param
