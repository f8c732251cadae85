"""AgentChat's agent and team classes, each wrapped as it is defined, whatever order the app imports in.

autogen-core is first imported halfway through AgentChat's own modules (`autogen_agentchat.agents`
imports it from inside `_assistant_agent`), so when our hook runs, the modules that define the agents
are not done yet, and waiting for their import to end is not possible from there. Every AgentChat
agent and team is an autogen-core `ComponentBase` (its `component_type` says "agent" or "team"), and
`ComponentBase` is complete by then: a class hook on it (`__init_subclass__`, chained to the one it
had) hands each new subclass to `agents.wrap_class` as Python creates it, the app's own classes too.
Classes that exist already (a process traced after it imported AutoGen) are wrapped at once.
"""

from __future__ import annotations

from typing import Any

from ...tracer.api import get_tracer
from .agents import wrap_class

_MARK = "_namel3ss_debug"


def watch_components(base: type[Any]) -> None:
    """Wrap `base`'s subclasses, present and future (`base` is autogen-core's `ComponentBase`); idempotent."""
    hook = base.__dict__.get("__init_subclass__")
    if getattr(getattr(hook, "__func__", None), _MARK, False):
        return
    previous = getattr(hook, "__func__", None)  # None: `base` inherits its class hook

    def __init_subclass__(cls: type, /, **kwargs: Any) -> None:
        if previous is not None:
            previous(cls, **kwargs)
        else:
            super(base, cls).__init_subclass__(**kwargs)
        _wrapped(cls)

    setattr(__init_subclass__, _MARK, True)
    base.__init_subclass__ = classmethod(__init_subclass__)  # type: ignore[assignment]
    for cls in _subclasses(base):
        _wrapped(cls)


def _wrapped(cls: type) -> None:
    try:
        wrap_class(cls)
    except Exception as exc:  # a class we cannot read: it runs unrecorded, the app goes on
        get_tracer().note_failure(exc)


def _subclasses(base: type) -> set[type]:
    found: set[type] = set()
    todo: list[type] = list(base.__subclasses__())
    while todo:
        cls = todo.pop()
        if cls not in found:
            found.add(cls)
            todo.extend(cls.__subclasses__())
    return found
