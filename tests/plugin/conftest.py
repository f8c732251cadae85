"""The plugin's tests start pytest sessions of sample projects: each test runs with none of the developer's
tracing configuration or plugin choices (`support.goldensuites.isolate`); a module may override
`clean_environment` with its own."""

from __future__ import annotations

import pytest
from support.goldensuites import isolate


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch)
