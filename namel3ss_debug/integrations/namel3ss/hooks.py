"""Find the runtime's hook points and wrap them (`wrappers.py`); say which ones this version lacks.

These are the runtime's internals, not an API, so each is looked for (with the parameters its
wrapper names: `PARAMETERS`) and the missing ones are reported (`HookReport.line()`, one line on
stderr) rather than failing: what is found is traced.
Each is patched where its callers look it up at call time (a module attribute, or a method):

    flow   namel3ss.runtime.executor.core.Executor.run
    agent  namel3ss.runtime.executor.agents.run_agent_call (+ its prepare_ai_input, for the input)
    ai     ask on every subclass of namel3ss.runtime.ai.provider.AIProvider
    ai with tools  namel3ss.runtime.tool_calls.provider_iface.get_provider_adapter (the adapters of
           providers that call their API themselves, not through ask)
    tool   namel3ss.runtime.tools.executor.run._execute_tool_call_internal
    cache  namel3ss.runtime.executor.ai_tool_pipeline.run_cached_ai_text_call

`install()` is idempotent (a wrapped function is marked and not wrapped again), and a provider
class loaded later is wrapped by the next `install()`; the wrappers do nothing but call through
while no run is active.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass, field
from typing import Any, Callable

from . import wrappers

FLOW = ("flow", "namel3ss.runtime.executor.core", "Executor.run")
AGENT = ("agent", "namel3ss.runtime.executor.agents", "run_agent_call")
AGENT_INPUT = ("agent input", "namel3ss.runtime.executor.agents", "prepare_ai_input")
AI = ("ai", "namel3ss.runtime.ai.provider", "AIProvider.ask")
TOOL = ("tool", "namel3ss.runtime.tools.executor.run", "_execute_tool_call_internal")
CACHE = ("ai cache", "namel3ss.runtime.executor.ai_tool_pipeline", "run_cached_ai_text_call")
ADAPTER = ("ai with tools", "namel3ss.runtime.tool_calls.provider_iface", "get_provider_adapter")
PROVIDERS = "namel3ss.runtime.ai.providers.registry"  # imports the provider classes
# The parameters a wrapper names, first ones in order (and those it takes by keyword only): a hook point
# whose parameters differ would make its wrapper fail on the runtime's calls, so it counts as missing.
PARAMETERS: dict[tuple[str, str, str], tuple[tuple[str, ...], tuple[str, ...]]] = {
    AGENT: (("ctx", "agent_name", "input_expr", "input_mode"), ()),
    AGENT_INPUT: (("value",), ()),
    TOOL: (("ctx", "tool_name", "args"), ()),
    CACHE: (("ctx",), ("compute",)),
    ADAPTER: (("provider_name", "provider"), ()),
}


@dataclass
class HookReport:
    """Which hook points were found (and wrapped) and which are missing, as `kind: where`."""

    found: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def line(self, version: str) -> str | None:
        """The one warning line for the missing hook points, or None."""
        if not self.missing:
            return None
        return (f"namel3ss {version}: not traced: {'; '.join(self.missing)} (this version lacks the hook "
                f"point; the rest of the app is traced)")

    def as_attrs(self) -> dict[str, list[str]]:
        return {"found": list(self.found), "missing": list(self.missing)}


def install() -> HookReport:
    """Wrap every hook point found; never raises for a missing one."""
    report = HookReport()
    for hook, wrap in ((FLOW, wrappers.flow_run), (AGENT, wrappers.agent_call),
                       (AGENT_INPUT, wrappers.agent_input), (TOOL, wrappers.tool_call),
                       (CACHE, wrappers.cached_ai_text_call)):
        _note(report, hook, _patch(hook, wrap))
    _note(report, AI, _patch_providers())
    _note(report, ADAPTER, _patch(ADAPTER, wrappers.provider_adapter))
    return report


def _note(report: HookReport, hook: tuple[str, str, str], found: str | None) -> None:
    kind, module, attribute = hook
    if found is None:
        report.missing.append(f"{kind} ({module}.{attribute})")
    else:
        report.found.append(f"{kind}: {found}")


def _patch(hook: tuple[str, str, str], wrap: Callable[[Any], Any]) -> str | None:
    """Wrap the hook point `module.path` (`name` or `Class.name`); its dotted place, or None when it is
    missing or its parameters are not those its wrapper names."""
    _, module_name, path = hook
    try:
        owner: Any = importlib.import_module(module_name)
    except Exception:
        return None
    *classes, name = path.split(".")
    for class_name in classes:
        owner = getattr(owner, class_name, None)
    original = getattr(owner, name, None) if owner is not None else None
    if not callable(original):
        return None
    if not wrappers.is_ours(original):
        if not _takes(original, *PARAMETERS.get(hook, ((), ()))):
            return None
        setattr(owner, name, wrap(original))
    return f"{module_name}.{path}"


def _takes(function: Any, leading: tuple[str, ...], keyword_only: tuple[str, ...]) -> bool:
    """Whether `function`'s first parameters are `leading`, and `keyword_only` are keyword-only ones."""
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return not leading and not keyword_only
    positional = [p.name for p in parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    keywords = {p.name for p in parameters.values() if p.kind is p.KEYWORD_ONLY}
    return positional[:len(leading)] == list(leading) and set(keyword_only) <= keywords


def _patch_providers() -> str | None:
    """Wrap `ask` on each provider class that defines its own; how many, or None if none."""
    try:
        importlib.import_module(PROVIDERS)
        base = importlib.import_module(AI[1]).AIProvider
    except Exception:
        return None
    classes = [cls for cls in _subclasses(base) if callable(cls.__dict__.get("ask"))]
    for cls in classes:
        if not wrappers.is_ours(cls.__dict__["ask"]):
            cls.ask = wrappers.provider_ask(cls.__dict__["ask"], _provider_name(cls))
    if not classes:
        return None
    return f"{AI[1]}.AIProvider subclasses' ask ({len(classes)} classes)"


def _subclasses(base: type) -> list[type[Any]]:  # namel3ss's provider classes
    found: list[type[Any]] = []
    stack: list[type[Any]] = list(base.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls not in found:
            found.append(cls)
            stack.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: (cls.__module__, cls.__qualname__))


def _provider_name(cls: type) -> str:
    """`MockProvider` -> `mock`, `OpenAIProvider` -> `openai`: the class name without `Provider`."""
    name = cls.__name__
    return (name[:-len("Provider")] if name.endswith("Provider") and name != "Provider" else name).lower()
