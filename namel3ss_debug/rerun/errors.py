"""A recorded exception raised again in a rerun (the exceptions that stop a rerun are in `model/rerun_protocol.py`).

A recorded error names its type as `module.QualName` (`ValueError` for builtins). It is raised again
as that type when the type's module is already loaded in the app: the app imported it to raise it the
first time, and a rerun never imports a module a trace names (nothing read from a trace is executed).
Otherwise it is a `ReplayedError` carrying the type's name and the message.
"""

from __future__ import annotations

import builtins
import sys

from ..model.json_types import JsonObject


class ReplayedError(Exception):
    """A recorded exception whose type could not be found in the app: the type's name and message."""

    def __init__(self, type_name: str, message: str):
        super().__init__(message)
        self.type_name = type_name  # the tracer records this name as the error's type
        self.message = message

    def __str__(self) -> str:
        return self.message


def rebuild_error(record: JsonObject, where: str) -> BaseException:
    """The recorded exception, as its own type when the app has it loaded, else a ReplayedError."""
    type_name = str(record.get("type") or "Exception")
    message = record.get("message")
    message = message if isinstance(message, str) else ""
    cls = _loaded_type(type_name)
    error = _instance(cls, message) if cls is not None else None
    if error is None:
        error = ReplayedError(type_name, message)
    try:
        error.add_note(f"(raised again by namel3ss-debug replay --rerun, as recorded at {where})")
    except Exception:
        pass
    return error


def _loaded_type(type_name: str) -> type[BaseException] | None:
    """The class named `module.QualName`, looked up in modules already imported; never imports one."""
    if "." not in type_name:
        found: object = getattr(builtins, type_name, None)
    else:
        found = None
        parts = type_name.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = sys.modules.get(".".join(parts[:cut]))
            if module is not None:
                found = _attribute_path(module, parts[cut:])
                break
    return found if isinstance(found, type) and issubclass(found, BaseException) else None


def _attribute_path(owner: object, names: list[str]) -> object:
    for name in names:
        if name == "<locals>":
            return None
        owner = getattr(owner, name, None)
        if owner is None:
            return None
    return owner


def _instance(cls: type[BaseException], message: str) -> BaseException | None:
    """`cls(message)`; a class whose constructor wants more gets its message as its only argument."""
    if issubclass(cls, KeyError) and len(message) >= 2 and message[0] == message[-1] and message[0] in "'\"":
        message = message[1:-1]  # str(KeyError('k')) is "'k'": the recorded message has the quotes
    try:
        error = cls(message)
    except Exception:
        try:
            error = cls.__new__(cls)
            error.args = (message,)
        except Exception:
            return None
    try:
        str(error)  # a __str__ that needs what its __init__ would have set cannot be shown
    except Exception:
        return None
    return error
