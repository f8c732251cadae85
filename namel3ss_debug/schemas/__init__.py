"""JSON Schemas shipped with the package: the trace format and the `analyze --format json` report, for
validators and generated docs.

Stdlib only, like `model/`: a traced application may import this without pulling in anything else.

    >>> load_trace_schema()["title"]
    'namel3ss-debug trace event, format version 1'
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TRACE_SCHEMA_FILE = "trace-v1.schema.json"


def trace_schema_path() -> Path:
    """Where the JSON Schema (draft 2020-12) of one trace event, format version 1, is installed."""
    return Path(__file__).parent / TRACE_SCHEMA_FILE


def load_trace_schema() -> dict[str, Any]:
    """The trace event schema as a dict, ready for `jsonschema.Draft202012Validator`."""
    return _load(trace_schema_path())


ANALYZE_SCHEMA_FILE = "analyze-v1.schema.json"


def analyze_schema_path() -> Path:
    """Where the JSON Schema (draft 2020-12) of the `analyze --format json` document, version 1, is installed."""
    return Path(__file__).parent / ANALYZE_SCHEMA_FILE


def load_analyze_schema() -> dict[str, Any]:
    """The analyze report schema as a dict, ready for `jsonschema.Draft202012Validator`."""
    return _load(analyze_schema_path())


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)  # each schema file is a JSON object
    return schema


DIAGNOSE_SCHEMA_FILE = "diagnose-v1.schema.json"


def diagnose_schema_path() -> Path:
    """Where the JSON Schema (draft 2020-12) of the `diagnose --format json` document, version 1, is installed."""
    return Path(__file__).parent / DIAGNOSE_SCHEMA_FILE


def load_diagnose_schema() -> dict[str, Any]:
    """The diagnose report schema as a dict, ready for `jsonschema.Draft202012Validator`."""
    return _load(diagnose_schema_path())


RUNS_SCHEMA_FILE = "runs-v1.schema.json"


def runs_schema_path() -> Path:
    """Where the JSON Schema (draft 2020-12) of the `runs --format json` document, version 1, is installed."""
    return Path(__file__).parent / RUNS_SCHEMA_FILE


def load_runs_schema() -> dict[str, Any]:
    """The runs listing schema as a dict, ready for `jsonschema.Draft202012Validator`."""
    return _load(runs_schema_path())
