"""Where the runtime keeps its own record of a run, so our trace can point at it. Read only.

The runtime writes its step records to `.namel3ss/traces/<flow>-NNNNNN.jsonl` with an
`index.json` naming the latest run (under its persistence root: the app's folder, or
`N3_PERSIST_ROOT`), and its AI calls and flow runs to `.namel3ss/observe.jsonl` in the project
root. The folder belongs to the runtime: we never write there, and never create it.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from ...model.events import RUN_LINK_ATTRS

INDEX = "index.json"


def traces_dir(project_root: Any, app_path: Any) -> Path:
    """The runtime's traces folder (without creating it); `<project>/.namel3ss/traces` if the
    runtime cannot say."""
    try:
        trace_runs = importlib.import_module("namel3ss.observability.trace_runs")
        found = trace_runs.trace_runs_root(project_root, app_path, allow_create=False)
        if found is not None:
            return Path(found)
    except Exception:  # an internal that moved: fall back to the documented place
        pass
    return _project(project_root, app_path) / ".namel3ss" / "traces"


def observe_log(project_root: Any, app_path: Any) -> Path:
    return _project(project_root, app_path) / ".namel3ss" / "observe.jsonl"


def paths(project_root: Any, app_path: Any) -> dict[str, str]:
    """The runtime's artifacts of an app, as run_start records them."""
    return {"traces_index": str(traces_dir(project_root, app_path) / INDEX),
            "observe": str(observe_log(project_root, app_path))}


def latest_run(project_root: Any, app_path: Any) -> str | None:
    """The runtime's latest run id, from its traces index (None when there is none, or unreadable)."""
    try:
        index = json.loads((traces_dir(project_root, app_path) / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    latest = index.get("latest_run_id") if isinstance(index, dict) else None
    return latest if isinstance(latest, str) and latest else None


def run_link(project_root: Any, app_path: Any, before: str | None) -> dict[str, str]:
    """The attrs linking a flow's span to the runtime's run it wrote: its id and step file. Empty
    when the index names no new run (the runtime wrote none, as for an app without a project root)."""
    run_id = latest_run(project_root, app_path)
    if run_id is None or run_id == before:
        return {}
    return dict(zip(RUN_LINK_ATTRS, (run_id, str(traces_dir(project_root, app_path) / f"{run_id}.jsonl"))))


def _project(project_root: Any, app_path: Any) -> Path:
    if project_root:
        return Path(str(project_root)).resolve()
    return Path(str(app_path or ".")).resolve().parent
