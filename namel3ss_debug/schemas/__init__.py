"""JSON Schemas shipped with the package: the trace format and the `--format json` documents of `analyze`,
`diagnose`, `diagnose --experiment`, `runs`, `verify` and `bisect`, and the rows of `export --to parquet`'s tables,
for validators and generated docs.

Stdlib only, like `model/`: a traced application may import this without pulling in anything else.

    >>> load_trace_schema()["title"]
    'namel3ss-debug trace event, format version 1'
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Schema:
    """A JSON Schema (draft 2020-12) installed with the package, `file` in this folder."""

    file: str

    def path(self) -> Path:
        """Where the schema is installed."""
        return Path(__file__).parent / self.file

    def load(self) -> dict[str, Any]:
        """The schema as a dict, ready for `jsonschema.Draft202012Validator`."""
        with self.path().open(encoding="utf-8") as handle:
            schema: dict[str, Any] = json.load(handle)  # each schema file is a JSON object
        return schema


TRACE_SCHEMA = Schema("trace-v1.schema.json")  # one trace event, format version 1
ANALYZE_SCHEMA = Schema("analyze-v1.schema.json")  # the `analyze --format json` document, version 1
DIAGNOSE_SCHEMA = Schema("diagnose-v1.schema.json")  # the `diagnose --format json` document, version 1
RUNS_SCHEMA = Schema("runs-v1.schema.json")  # the `runs --format json` document, version 1
VERIFY_SCHEMA = Schema("verify-v1.schema.json")  # the `verify --format json` document, version 1
BISECT_SCHEMA = Schema("bisect-v1.schema.json")  # the `bisect --format json` document, version 1
EXPERIMENT_SCHEMA = Schema("experiment-v1.schema.json")  # the `diagnose --experiment --format json` document, v1
PARQUET_SCHEMA = Schema("parquet-v1.schema.json")  # a row of `export --to parquet`'s runs, spans and events tables, v1

trace_schema_path, load_trace_schema = TRACE_SCHEMA.path, TRACE_SCHEMA.load
analyze_schema_path, load_analyze_schema = ANALYZE_SCHEMA.path, ANALYZE_SCHEMA.load
diagnose_schema_path, load_diagnose_schema = DIAGNOSE_SCHEMA.path, DIAGNOSE_SCHEMA.load
runs_schema_path, load_runs_schema = RUNS_SCHEMA.path, RUNS_SCHEMA.load
verify_schema_path, load_verify_schema = VERIFY_SCHEMA.path, VERIFY_SCHEMA.load
bisect_schema_path, load_bisect_schema = BISECT_SCHEMA.path, BISECT_SCHEMA.load
experiment_schema_path, load_experiment_schema = EXPERIMENT_SCHEMA.path, EXPERIMENT_SCHEMA.load
parquet_schema_path, load_parquet_schema = PARQUET_SCHEMA.path, PARQUET_SCHEMA.load
