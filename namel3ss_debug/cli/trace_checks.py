"""`prepare_output_dir` where `replay --rerun` (not yet calling ops/) imports it from: it is in ops/trace/checks.py."""

from __future__ import annotations

from ..ops.trace.checks import prepare_output_dir  # noqa: F401 - re-exported for cli/rerun_cmd.py
