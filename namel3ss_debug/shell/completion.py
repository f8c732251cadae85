"""Tab completion for replay's console: commands, breakpoint targets, mock keys and field paths.

`candidates(session, line)` is plain data (tested without a terminal); `ReplayCompleter` hands it to
prompt_toolkit.
"""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from ..model.calls import CallAddress
from ..model.events import COMPONENTS
from ..model.messages import visible
from ..replay.commands import aliases_of, resolve

_FIELD_COMMANDS = {"p", "pp", "display", "undisplay"}
_TARGET_COMMANDS = {"break", "tbreak"}
_PATH_DEPTH = 3  # usage.total_tokens, inputs.messages.0 ... deep enough to be useful, short enough to read
_MAX_PATHS = 400


def candidates(session: Any, line: str) -> tuple[str, list[str]]:
    """`(word being completed, its completions)` for the text before the cursor."""
    word = line.split(" ")[-1] if line and not line.endswith(" ") else ""
    words = line.split()
    if len(words) == 0 or (len(words) == 1 and not line.endswith(" ")):
        return word, _starting(word, [*session.commands, *aliases_of(session.commands)])
    command = resolve(words[0], session.commands) or ""
    if command in _TARGET_COMMANDS:
        options = _paths(session) if " if " in f" {line}" else _targets(session)
    elif command in _FIELD_COMMANDS or command == "condition":
        options = _paths(session)
    elif command == "mock":
        options = ["clear", *_mock_keys(session)]
    elif command == "help":
        options = list(session.commands)
    elif command == "info":
        options = ["breakpoints", "mocks", "displays"]
    else:
        options = []
    return word, _starting(_last_token(word), options)


def _last_token(word: str) -> str:
    """In `b llm if usage.tot`, only the path after an operator or bracket is being completed."""
    for separator in ("(", "!", "=", "<", ">"):
        word = word.rsplit(separator, 1)[-1]
    return word


def _starting(prefix: str, options: Iterable[str]) -> list[str]:
    return sorted({option for option in options if option.startswith(prefix)})


def _targets(session: Any) -> list[str]:
    t = session.engine.timeline
    targets = ["errors", *(c for c in COMPONENTS if t.components.find(c) is not None), *t.types.texts]
    for component, name, count in t.recorded_calls():
        targets.append(f"{component}:{name}")
        if count <= 50:
            targets.extend(str(CallAddress(component, name, n)) for n in range(1, count + 1))
    return targets


def _mock_keys(session: Any) -> list[str]:
    return [target + "=" for target in _targets(session) if ":" in target]


def _paths(session: Any) -> list[str]:
    """Field paths of the current event (and its call's other event): `outputs`, `usage.total_tokens`."""
    view = session.engine.current.view
    paths: list[str] = []
    for name in view.fields():
        paths.extend(_walk(name, view.resolve(name), 1))
        if len(paths) > _MAX_PATHS:
            break
    return paths


def _walk(path: str, value: Any, depth: int) -> Iterator[str]:
    yield path
    if isinstance(value, dict) and depth < _PATH_DEPTH:
        for key, item in list(value.items())[:50]:
            if isinstance(key, str) and key.isidentifier():
                yield from _walk(f"{path}.{key}", item, depth + 1)


class ReplayCompleter(Completer):
    """prompt_toolkit's side of `candidates`."""

    def __init__(self, session: Any):
        self.session = session

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        line = document.text_before_cursor
        word, options = candidates(self.session, line)
        token = _last_token(word) if len(line.split()) > 1 or line.endswith(" ") else word
        for option in options:
            yield Completion(option, start_position=-len(token), display=visible(option))
