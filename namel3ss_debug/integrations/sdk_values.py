"""What the SDK integrations share: a request's parameters as inputs, a response as JSON, and the
SDK's own types rebuilt from that JSON."""

from __future__ import annotations

import importlib
from typing import Any, Callable

from ..tracer.serialize import to_jsonable

# Request options that are not the request: headers may carry keys, and the rest is transport.
NOT_RECORDED = frozenset({"extra_headers", "extra_query", "timeout"})
_SENTINELS = frozenset({"NotGiven", "Omit", "NotGivenOr"})
_ITERABLES = ("messages", "tools", "functions", "stop_sequences", "system")


def request_inputs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The call's parameters as the span's inputs, without transport options and unset sentinels.

    An iterable parameter that is not a list (a generator of messages) is read into a list, and the
    SDK is given that list: reading it for the trace must not leave the SDK an empty iterator.
    """
    for key in _ITERABLES:
        value = kwargs.get(key)
        if value is not None and not isinstance(value, (list, tuple, str, dict)) and hasattr(value, "__iter__"):
            kwargs[key] = list(value)
    return {key: value for key, value in kwargs.items()
            if key not in NOT_RECORDED and type(value).__name__ not in _SENTINELS}


def as_json(value: Any) -> dict[str, Any]:
    """An SDK response object as the JSON the API sent (its fields that were set), else {}."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        # A value this SDK version's type does not expect (a new content block) makes pydantic 2 warn
        # on the app's stderr; pydantic 1, which the SDKs still accept, has no `warnings`.
        quiet = {"warnings": False} if hasattr(value, "__pydantic_serializer__") else {}
        data = dump(mode="json", exclude_unset=True, **quiet)
    else:
        data = to_jsonable(value)
    return data if isinstance(data, dict) else {}


def first(items: Any) -> dict[str, Any]:
    """The first item of a list when it is an object, else {}."""
    if isinstance(items, list) and items and isinstance(items[0], dict):
        return items[0]
    return {}


def sdk_construct(package: str) -> Callable[..., Any] | None:
    """The SDK's own `_models.construct_type(type_=..., value=...)`: how it builds its types from the
    API's JSON, without validating (a value its type does not know, such as a `finish_reason` added
    to the API after this SDK version, is kept). None where this SDK version has no such function."""
    try:
        construct = getattr(importlib.import_module(f"{package}._models"), "construct_type", None)
    except ImportError:
        return None
    return construct if callable(construct) else None


def rebuilt(model_type: Any, value: Any, construct: Callable[..., Any] | None) -> Any:
    """`model_type` made from recorded (or mocked) JSON as the SDK made it from the API's: a JSON
    object through the SDK's `construct` (so a rerun gives back what the app got, even where the type
    would reject it); anything else, or without `construct`, validated."""
    if construct is not None and isinstance(value, dict):
        return construct(type_=model_type, value=value)
    return validated(model_type, value)


def validated(model_type: Any, value: Any) -> Any:
    """`model_type.model_validate(value)`, its errors told in one line (a mock is typed on one line too)."""
    try:
        return model_type.model_validate(value)
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        problems = getattr(error, "errors", None)
        if not callable(problems):
            raise
        listed = problems()
        said = "; ".join(f"{'.'.join(str(p) for p in item.get('loc', ())) or 'value'}: {item.get('msg')}"
                         for item in listed[:3])
        more = f" (and {len(listed) - 3} more)" if len(listed) > 3 else ""
        raise ValueError(f"not a {model_type.__name__}: {said}{more}") from None
