"""A golden run's file: a test's recorded run, made fit to commit.

A golden file is a trace like any other (one run, one segment: `inspect`, `report` and `replay` open it), written
from the run the tracer recorded for the test, with what ties it to one machine or one moment taken out:
- the run's id is the test's (`golden-` and a digest of its node id), the segment's name the file's;
- the project's directory, wherever it appears in a text (a working directory, a path in a stack trace, a
  tool's argument), is written `<project>`, and put back as the project's directory of the checkout that
  replays it (`restored`): a repository cloned elsewhere replays its golden runs;
- so is pytest's temporary directory of the session (`<tmp>`: the `tmp_path` of a test is `<tmp>/test_name0`),
  which changes on every session (`/tmp/pytest-of-USER/pytest-N`): a test that hands its `tmp_path` to a tool
  or a prompt replays;
- what describes the machine and not the run is left out: `pid`, and `host`, `executable` and `platform` of
  `run_start` (its `python` and `packages` stay: which SDK the answers came from);
- the names of threads and asyncio tasks that count across the process (`Thread-12`, `Task-57`) are numbered
  again from 1 in the order the run meets them;
- the temporary directory the run was written to is the golden file's directory.
What still differs between two recordings of the same deterministic app is documented (`VOLATILE`): the times,
the server a request went to (a stub on another port: `write_golden` does not count it as new, as the rerun
does not match by it), and what the servers answer.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ..model.deep import map_texts
from ..model.seals import Seals
from ..model.outputs import write_output
from .golden_streams import compacted

PROJECT = "<project>"
TEMP = "<tmp>"
MACHINE_KEYS = ("host", "executable", "platform")  # of run_start's attrs
# The fields that differ between two recordings of the same run: times, and what counts time.
VOLATILE = ("ts", "duration_ms", "memory_mb")
VOLATILE_ATTRS = ("run_started", "ttft_ms")
_NUMBERED = re.compile(r"^([A-Za-z_]+)([-_])(\d+)")
_SERVER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def golden_run_id(nodeid: str) -> str:
    """The run id of a test's golden run: the same for every recording of the test."""
    return "golden-" + hashlib.blake2b(nodeid.encode("utf-8", "backslashreplace"), digest_size=6).hexdigest()


def golden_lines(events: Iterable[dict[str, Any]], *, nodeid: str, root: Path, target: Path,
                 temp: Path | None = None) -> list[bytes]:
    """The lines of the golden file `target` made from a test's recorded events (see the module's docstring);
    `root` is the project's directory, `temp` pytest's temporary directory of the session."""
    run_id = golden_run_id(nodeid)
    names = _Renumbered()
    paths = _Paths({PROJECT: root, TEMP: temp})
    where = paths.text(str(target.parent))
    lines = []
    for event in events:
        event = compacted(dict(event))  # a streamed answer without its frames, where they can be made again
        event["run_id"] = run_id
        event.pop("pid", None)
        for key in ("thread", "task"):
            if isinstance(event.get(key), str):
                event[key] = names(event[key])
        if event.get("event_type") == "segment_start":
            event["name"] = target.name
        elif event.get("event_type") == "run_start":
            event["attrs"] = _start_attrs(event.get("attrs"), where)
        lines.append(orjson.dumps(paths.value(event)))
    return lines


def write_golden(target: Path, lines: list[bytes], seal: bool = True) -> bool:
    """Write the golden file, unless the one there already says the same apart from the volatile fields (no
    change to review), sealed as written here with `seal` (not a run answered from a stranger's golden run:
    model/seals.py). Returns whether the file was written."""
    if target.is_file() and _steady(target.read_bytes().splitlines()) == _steady(lines):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    write_output(target, lambda stream: stream.write(b"".join(line + b"\n" for line in lines)))
    seals = Seals.of(os.environ) if seal else None
    if seals is not None:  # recorded here: its tools may run with its arguments unasked (launch/choosing.py)
        seals.seal(target)
    return True


def restored(data: bytes, root: Path, temp: Path | None = None) -> bytes:
    """A golden file's bytes with `<project>` made this checkout's project directory again, and `<tmp>` this
    session's temporary directory (`data` itself when it has neither)."""
    for token, path in ((PROJECT, root), (TEMP, temp)):
        if path is not None and token.encode() in data:
            data = data.replace(token.encode(), orjson.dumps(str(path))[1:-1])
    return data


def read_events(paths: Iterable[Path]) -> Iterator[dict[str, Any]]:
    """The events of a run the tracer wrote, segment by segment (its own files: whole lines of JSON)."""
    for path in paths:
        with open(path, "rb") as stream:
            for line in stream:
                if line.strip():
                    yield orjson.loads(line)


def _start_attrs(attrs: Any, where: str) -> Any:
    if not isinstance(attrs, dict):
        return attrs
    attrs = {key: value for key, value in attrs.items() if key not in MACHINE_KEYS}
    if "trace_dir" in attrs:
        attrs["trace_dir"] = where
    config = attrs.get("config")
    if isinstance(config, dict) and "trace_output_dir" in config:
        attrs["config"] = {**config, "trace_output_dir": where}
    return attrs


class _Paths:
    """Texts with directories written as tokens (`<project>`, `<tmp>`); the longest first, so that a directory
    inside another is its own token."""

    def __init__(self, tokens: dict[str, Path | None]):
        # never the filesystem's root; a directory not inside a longer name (`/repo` in `/repo2/...`)
        self.tokens = {str(path): token for token, path in tokens.items()
                       if path is not None and str(path).strip("/\\")}
        ordered = sorted(self.tokens, key=len, reverse=True)
        self.pattern = re.compile("(" + "|".join(map(re.escape, ordered)) + r")(?![\w.-])") if ordered else None

    def value(self, value: Any) -> Any:
        return map_texts(value, self.text)

    def text(self, text: str) -> str:
        if self.pattern is None or not any(path in text for path in self.tokens):
            return text
        return self.pattern.sub(lambda found: self.tokens[found.group(1)], text)


class _Renumbered:
    """`Thread-12 (worker)`, `Task-57`: the number after the name counted again from 1, by first appearance."""

    def __init__(self) -> None:
        self.numbers: dict[tuple[str, str], int] = {}
        self.counts: dict[str, int] = {}

    def __call__(self, name: str) -> str:
        found = _NUMBERED.match(name)
        if found is None:
            return name
        prefix, number = found.group(1), found.group(3)
        key = (prefix, number)
        if key not in self.numbers:
            self.counts[prefix] = self.counts.get(prefix, 0) + 1
            self.numbers[key] = self.counts[prefix]
        return f"{prefix}{found.group(2)}{self.numbers[key]}{name[found.end():]}"


def _steady_attrs(attrs: dict[str, Any]) -> dict[str, Any]:
    """Attrs without the volatile ones, and a request's URL without its server (`http://127.0.0.1:34427`): a
    rerun answers by method, path and query whatever the host, so a stub on another port asks nothing new."""
    attrs = {key: value for key, value in attrs.items() if key not in VOLATILE_ATTRS}
    http = attrs.get("http")
    if isinstance(http, dict) and isinstance(http.get("url"), str):
        attrs["http"] = {**http, "url": _SERVER.sub("", http["url"], count=1)}
    return attrs


def _steady(lines: list[bytes]) -> list[Any]:
    """The lines without their volatile fields, for telling whether a new recording says anything new."""
    kept = []
    for line in lines:
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            kept.append(line)
            continue
        if isinstance(event, dict):
            for key in VOLATILE:
                event.pop(key, None)
            if isinstance(event.get("attrs"), dict):
                event["attrs"] = _steady_attrs(event["attrs"])
        kept.append(event)
    return kept
