"""Shared test setup: make the helper modules beside this file (`tracehelpers`) importable.

pytest's default import mode already puts this directory on sys.path; doing it here too keeps the
helpers importable under `--import-mode=importlib`.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TESTS = str(Path(__file__).parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
