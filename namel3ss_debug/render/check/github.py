"""`check --format github`: GitHub Actions workflow commands, one `::error` per failed rule and a `::notice`.

Escaping follows the runner's rules (actions/toolkit `command.ts`): in a message `%`, CR and LF become
`%25`, `%0D`, `%0A`; in a property also `:` and `,` become `%3A` and `%2C`. Other control characters
are first made visible (`\\x1b`), so text from a trace cannot start a command of its own.
"""

from __future__ import annotations

import os

from ...checks.results import CheckReport, CheckResult, RunCheck
from ..text import visible


def render_github(report: CheckReport) -> str:
    lines = [_error(run, result) for run in report.runs for result in run.failed]
    summary = f"{report.passed_count} passed, {report.failed} failed ({'passed' if report.passed else 'FAILED'})"
    lines.append(f"::notice title={escape_property('namel3ss-debug check')}::{escape_data(summary)}")
    return "\n".join(lines) + "\n"


def _error(run: RunCheck, result: CheckResult) -> str:
    place = next((ref.where for ref in result.events if ref.where), None) or (run.files[0] if run.files else "")
    file, _, line = place.rpartition(":") if place.rpartition(":")[2].isdigit() else (place, "", "")
    file = _from_workspace(file)
    properties = [f"file={escape_property(file)}"] if file else []
    if line:
        properties.append(f"line={line}")
    properties.append(f"title={escape_property(f'namel3ss-debug check: {result.rule}')}")
    return f"::error {','.join(properties)}::{escape_data(result.message)}"


def _from_workspace(file: str) -> str:
    """A path below the working directory (the checkout, in Actions) as GitHub links it: relative."""
    if not file or not os.path.isabs(file):
        return file
    relative = os.path.relpath(file)
    return file if relative.startswith("..") else relative


def escape_data(text: str) -> str:
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
