"""Objects that fail when they are looked at, for the tests that hand them to the library API: a `__repr__`,
`__str__`, `__class__`, `__eq__`, `__hash__`, `__bool__` or conversion that raises, subclasses of int, float, str,
dict and list that fail when asked, a list that holds itself, one 5,000 deep, an int too long to print, NaN,
bytes, a lone surrogate, a class, an exception that cannot be printed."""

from __future__ import annotations

from typing import Any, Callable


class Boom(Exception):
    pass


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise Boom("boom")


class BadRepr:
    __repr__ = _boom


class BadStr:
    __repr__ = _boom
    __str__ = _boom


class BadClass:
    @property
    def __class__(self):  # type: ignore[override]
        raise Boom("class")


class BadEq:
    __eq__ = _boom
    __hash__ = _boom  # type: ignore[assignment]


class BadEverything:
    __repr__ = __str__ = __eq__ = __hash__ = __len__ = __iter__ = __bool__ = _boom  # type: ignore[assignment]
    __index__ = __int__ = __float__ = __format__ = _boom

    def __getattr__(self, name: str) -> Any:
        raise Boom(name)


class BadCallable(BadEverything):
    def __call__(self, *args: Any) -> Any:
        return 1


class BadInt(int):
    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __hash__ = __repr__ = __str__ = _boom  # type: ignore[assignment]
    __int__ = __index__ = __add__ = __radd__ = _boom


class BadFloat(float):
    __repr__ = __str__ = __lt__ = __le__ = is_integer = _boom  # type: ignore[assignment]


class BadText(str):
    __str__ = __repr__ = __hash__ = __eq__ = lower = encode = __len__ = _boom  # type: ignore[assignment]


class BadDict(dict):
    items = keys = __iter__ = __getitem__ = get = __len__ = copy = _boom  # type: ignore[assignment]


class BadList(list):
    __iter__ = __len__ = _boom  # type: ignore[assignment]


class BadError(Exception):
    __str__ = __repr__ = _boom  # type: ignore[assignment]


def _holding_itself() -> list[Any]:
    items: list[Any] = []
    items.append(items)
    return items


def _deep(levels: int) -> list[Any]:
    top: list[Any] = []
    inner = top
    for _ in range(levels):
        inner.append([])
        inner = inner[0]
    return top


HOSTILE: dict[str, Callable[[], Any]] = {
    "bad-repr": BadRepr, "bad-str": BadStr, "bad-class": BadClass, "bad-eq": BadEq, "bad-everything": BadEverything,
    "bad-callable": BadCallable, "bad-int": lambda: BadInt(5), "bad-float": lambda: BadFloat(1.5),
    "bad-text": lambda: BadText("x"), "bad-dict": lambda: BadDict(a=1), "bad-list": lambda: BadList([1]),
    "holds-itself": _holding_itself, "deep": lambda: _deep(5000), "huge-int": lambda: 10 ** 5000,
    "nan": lambda: float("nan"), "bytes": lambda: b"\xff" * 10, "surrogate": lambda: "\ud800", "a-class": lambda: type,
    "bad-error": BadError,
}
