"""Run a namel3ss `.ai` app's flow in this process, as `namel3ss-debug trace app.ai` does.

`run_ai_app` behaves like running a script: it loads the app through the `namel3ss` package, runs
one flow with the given input, prints the flow's result as JSON on stdout and raises the flow's
error if it fails. The hook points are wrapped first (`hooks.py`), so the flow, its agents, AI
calls and tool calls become spans of the active run; under `replay --rerun` the same spans get
their answers from the recording. Problems with how it was asked to run (no such flow, input that
is not a JSON object, several flows and no `--flow`) are UsageErrors, found by `prepare` before the
run starts.

The flow runs through `build_flow_payload`, the function under the runtime's own `run_flow`,
because `run_flow` takes no input; the result is redacted of the app's secrets and
`.namel3ss/run/last.json` written as `n3` does.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ...model.errors import UsageError
from ...model.messages import warning_line
from . import artifacts, hooks
from .load_errors import load_problem
from .manifests import cannot_work_around, is_manifest_error, work_around_missing_manifests
from .results import plain


def start_attrs(path: str, flow: str | None) -> dict[str, Any]:
    """What run_start records of an `.ai` app (under `attrs.namel3ss`), known before it runs: the
    app, the flow asked for (None: the app's only flow), the runtime's version, where the runtime
    keeps its own record of runs, and the hook points found. Never raises: without the package,
    `runtime_version` is None and every hook is missing.

        {"app": "/abs/app.ai", "flow": "plan_trip", "runtime_version": "0.1.0a15",
         "artifacts": {"traces_index": ".../.namel3ss/traces/index.json", "observe": ".../observe.jsonl"},
         "hooks": {"found": ["flow: ...", ...], "missing": []}}
    """
    attrs: dict[str, Any] = {"app": path, "flow": flow, "runtime_version": runtime_version(),
                             "artifacts": artifacts.paths(None, path)}
    try:
        attrs["hooks"] = hooks.install().as_attrs()
    except Exception as error:  # our report must not stop the run; run_ai_app says what is wrong
        attrs["hooks"] = {"found": [], "missing": [f"all ({type(error).__name__}: {error})"]}
    return attrs


@dataclass(frozen=True)
class PreparedApp:
    """An app loaded and its flow chosen, before its run starts."""

    flow: str
    input: dict[str, Any]
    program: Any
    sources: Any


def prepare(path: str, flow: str | None, input_json: str | None) -> PreparedApp | None:
    """Load the app and choose its flow before the run starts, so that a mistake in how it was asked
    to run (no such flow, several flows, input that is not an object, no namel3ss package: a rerun
    gets here without `trace`'s checks) is a UsageError with no run and no trace. An app that does
    not load (a syntax error of its own) gives None: its error is the run's, raised again by
    `run_ai_app` inside the run, as a Python script's would be."""
    require_runtime(path)
    flow_input = parse_input(input_json)
    version = runtime_version() or "?"
    _say(work_around_missing_manifests(version))
    try:
        program, sources = load(path, version)
    except UsageError:
        raise
    except Exception:
        return None
    return PreparedApp(select_flow(program, flow, path), flow_input, program, sources)


def run_ai_app(path: str, flow: str | None, input_json: str | None, prepared: PreparedApp | None = None) -> None:
    """Run `flow` (the app's only flow when None) of the `.ai` app at `path` with `input_json` (a JSON
    object, or None for `{}`), print its result as JSON, raise its error if it fails. `prepared`
    is the app as `prepare` loaded it, when it did."""
    version = runtime_version() or "?"
    if prepared is None:
        flow_input = parse_input(input_json)
        _say(work_around_missing_manifests(version))
    _say(hooks.install().line(version))
    if prepared is None:
        program, sources = load(path, version)
        prepared = PreparedApp(select_flow(program, flow, path), flow_input, program, sources)
    payload = run_flow(prepared.program, prepared.flow, prepared.input, prepared.sources)
    print(json.dumps(plain(payload.get("result")), indent=2, ensure_ascii=False))


def require_runtime(path: str) -> None:
    """A UsageError unless the `namel3ss` package can be imported: an `.ai` app cannot run without it."""
    try:
        found = importlib.util.find_spec("namel3ss") is not None
    except (ImportError, ValueError):  # blocked in sys.modules (None), or a broken parent
        found = False
    if not found:
        raise UsageError(f"{path} is a namel3ss .ai app, and the namel3ss package is not installed",
                         hint="pip install 'namel3ss-debug[namel3ss]'; "
                              "namel3ss 0.1.0a15 installs on Python 3.10 to 3.13")


def runtime_version() -> str | None:
    """The installed namel3ss's version, without importing it (None when it is not installed)."""
    try:
        return metadata.version("namel3ss")
    except metadata.PackageNotFoundError:
        return None


def parse_input(input_json: str | None) -> dict[str, Any]:
    """The flow's input: a JSON object (the runtime drops anything else, so we refuse it)."""
    if input_json is None:
        return {}
    try:
        value = json.loads(input_json)
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser goes
        raise UsageError(f"--input is not JSON: {error}", hint="""e.g. --input '{"city": "Paris"}'""") from None
    if not isinstance(value, dict):
        raise UsageError(f"--input must be a JSON object (the flow reads it as `input`), not {type(value).__name__}",
                         hint="""e.g. --input '{"city": "Paris"}'""")
    return value


def load(path: str, version: str) -> tuple[Any, dict[str, Any]]:
    """The app's program and sources, as `n3` loads them (its `.env` applied)."""
    loader = importlib.import_module("namel3ss.cli.app_loader")
    try:
        loaded: tuple[Any, dict[str, Any]] = loader.load_program(path)
        return loaded
    except Exception as error:
        if is_manifest_error(error):
            raise cannot_work_around(version, str(error)) from None
        problem = load_problem(path, error)
        if problem is None:
            raise
        raise problem from error


def select_flow(program: Any, flow: str | None, path: str) -> str:
    """The flow to run: the one named, else the app's only (entry) flow."""
    flows = [str(getattr(item, "name", "")) for item in getattr(program, "flows", [])]
    shown = ", ".join(flows)
    app = Path(path).name
    if flow is not None:
        if flow not in flows:
            raise UsageError(f"{app} has no flow {flow!r}" + (f"; its flows: {shown}" if flows else ""),
                             hint=f"e.g. --flow {flows[0]}" if flows else "add a flow block to the app")
        return flow
    candidates = list(getattr(program, "entry_flows", None) or flows)
    if len(candidates) == 1:
        return str(candidates[0])
    if not candidates:
        raise UsageError(f"{app} has no flow to run", hint='add one, e.g. flow "demo": return "ok"')
    raise UsageError(f"{app} has {len(candidates)} flows; say which to run: {', '.join(candidates)}",
                     hint=f"e.g. --flow {candidates[0]}")


def run_flow(program: Any, flow: str, flow_input: dict[str, Any], sources: dict[str, Any]) -> dict[str, Any]:
    """Run the flow as the runtime's `run_flow` does, with an input; its payload, or its error raised."""
    pipeline = importlib.import_module("namel3ss.runtime.run_pipeline")
    app_path, root = getattr(program, "app_path", None), getattr(program, "project_root", None)
    config = importlib.import_module("namel3ss.config.loader").load_config(app_path=app_path, root=root)
    outcome = pipeline.build_flow_payload(program, flow, state={}, input=flow_input, config=config,
                                          source=_source(sources, app_path), project_root=root)
    secrets = importlib.import_module("namel3ss.secrets").collect_secret_values(config)
    payload: dict[str, Any] = pipeline.finalize_run_payload(outcome.payload, secrets)
    _write_last_run(program, payload)
    if outcome.error is not None:
        raise outcome.error
    return payload


def _source(sources: Any, app_path: Any) -> str | None:
    if not isinstance(sources, dict) or not sources:
        return None
    for key, value in sources.items():
        if str(key) == str(app_path):
            source: str | None = value
            return source
    return next(iter(sources.values()), None)


def _write_last_run(program: Any, payload: dict[str, Any]) -> None:
    """`.namel3ss/run/last.json`, which `n3` commands read, as `n3 app.ai` leaves it (best effort)."""
    try:
        writer = getattr(importlib.import_module("namel3ss.cli.runner"), "_write_last_run", None)
        if callable(writer):
            writer(program, payload)
    except Exception:  # a convenience for `n3`'s own commands: the flow's result stands without it
        pass


def _say(message: str | None) -> None:
    if message:
        sys.stderr.write(warning_line(message) + "\n")
