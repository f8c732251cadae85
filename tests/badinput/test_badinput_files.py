"""Configuration, environment variables, rules, prices, mocks and console scripts, broken: every key of each
given hostile values, and each document broken whole (documents.py). The commands that read each are run on
a good trace; judged as every bad-input case is (harness.py).
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Callable

import pytest
from documents import (
    CONFIG_KEYS,
    CONSOLE_KINDS,
    DAMAGES,
    OWN,
    RULE_KEYS,
    config_document,
    console_script,
    mocks_document,
    prices_document,
    rules_document,
)
from drivers import free_port, page_driver
from harness import invoke
from hostile import dumps, hostile_string
from judge import assert_sound
from workspaces import make_workspace

Argv = Callable[[Any], tuple[list[str], Any]]


def _view(w: Any, *extra: str) -> tuple[list[str], Any]:
    port = free_port()
    return ["view", "--no-browser", "--port", str(port), *extra, w.run], page_driver(port)


# The commands that read the workspace config (and its variables), each with what it reads of it.
CONFIG_READERS: dict[str, Argv] = {
    "config-show": lambda w: (["config", "show"], None),
    "config-show-json": lambda w: (["config", "show", "--format", "json"], None),
    "config-validate": lambda w: (["config", "validate"], None),
    "config-validate-path": lambda w: (["config", "validate", ".namel3ss/debug.json"], None),
    "analyze": lambda w: (["analyze", "--no-pager", w.run], None),
    "analyze-newest": lambda w: (["analyze", "--no-pager"], None),  # trace_output_dir
    "check": lambda w: (["check", w.run], None),  # the checks section
    "inspect": lambda w: (["inspect", "--no-pager", w.run], None),
    "diff": lambda w: (["diff", w.run, w.other], None),
    "report": lambda w: (["report", "-o", "out.html", w.run], None),
    "export": lambda w: (["export", "--to", "perfetto", w.run, "p.json"], None),
    "redact": lambda w: (["redact", "--dry-run", w.run], None),  # redact_keys, redact_patterns
    "clean": lambda w: (["clean", "--dry-run"], None),  # trace_retention_days, trace_output_dir
    "replay": lambda w: (["replay", "--commands", "-", w.run], None),
    "trace": lambda w: (["trace", "-q", "app.py"], None),  # every setting of the tracer
    "view": _view,
}


def _rotating(targets: tuple[str, ...], readers: dict[str, Argv], rounds: int) -> list[Any]:
    names, cases, n = list(readers), [], 0
    for target in targets:
        for _ in range(rounds):
            reader = names[n % len(names)]
            n += 1
            cases.append(pytest.param(target, reader, id=f"{reader}-{target}"))
    return cases


def run(argv: list[str], driver: Any = None, stdin: str | bytes | None = None,
        env: dict[str, str | None] | None = None) -> None:
    stdin = "c\nq\n" if stdin is None and argv[:1] == ["replay"] and "-" in argv else stdin
    assert_sound(invoke(argv, stdin=stdin, env=env, driver=driver))


def run_on_file(workspace: Path, request: Any, name: str, document: Callable[[random.Random, str], bytes],
                target: str, argv: Argv) -> None:
    """`document(rng, target)` written to `name` in a made workspace, then the reader `argv` run on it; the rng
    is seeded by the test's id, so a failure is made again by running that test."""
    rng = random.Random(request.node.callspec.id)
    w = make_workspace(workspace)
    (workspace / name).parent.mkdir(exist_ok=True)
    (workspace / name).write_bytes(document(rng, target))
    run(*argv(w))


CONFIG_TARGETS = (*CONFIG_KEYS, "checks", *(f"damage:{kind}" for kind in DAMAGES))


@pytest.mark.parametrize(("target", "reader"), _rotating(CONFIG_TARGETS, CONFIG_READERS, 3))
def test_a_hostile_workspace_config(workspace: Path, request: Any, target: str, reader: str) -> None:
    run_on_file(workspace, request, ".namel3ss/debug.json", config_document, target, CONFIG_READERS[reader])


def env_value(rng: random.Random, key: str) -> str:
    """A value for NAMEL3SS_DEBUG_<KEY>: a trap of the key's own or any hostile text an environment can hold
    (no NUL, surrogates only as undecodable bytes)."""
    while True:
        own = OWN.get(key, ())
        value = rng.choice(own) if own and rng.random() < 0.5 else hostile_string(rng)
        text = value if isinstance(value, str) else dumps(value)
        try:
            text.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:
            continue
        if "\x00" not in text and (key != "trace_output_dir" or ".." not in text and not text.startswith("/")):
            return text


@pytest.mark.parametrize(("target", "reader"), _rotating((*CONFIG_KEYS, "bogus_key", "", "\x1b[2J"),
                                                          CONFIG_READERS, 3))
def test_a_hostile_environment_variable(workspace: Path, request: Any, target: str, reader: str) -> None:
    rng = random.Random(request.node.callspec.id)
    w = make_workspace(workspace)
    run(*CONFIG_READERS[reader](w), env={"NAMEL3SS_DEBUG_" + target.upper(): env_value(rng, target)})


RULES_READERS: dict[str, Argv] = {
    "check": lambda w: (["check", "--rules", "rules.json", w.run], None),
    "check-json": lambda w: (["check", "--format", "json", "--rules", "rules.json", w.run], None),
    "check-junit": lambda w: (["check", "--rules", "rules.json", "--junit", "j.xml", "--format", "github", w.run],
                              None),
}


@pytest.mark.parametrize(("target", "reader"), _rotating(
    (*RULE_KEYS, *(f"damage:{kind}" for kind in DAMAGES)), RULES_READERS, 3))
def test_a_hostile_rules_file(workspace: Path, request: Any, target: str, reader: str) -> None:
    run_on_file(workspace, request, "rules.json", rules_document, target, RULES_READERS[reader])


PRICES_READERS: dict[str, Argv] = {
    "analyze": lambda w: (["analyze", "--no-pager", "--prices", "prices.json", w.run], None),
    "analyze-json": lambda w: (["analyze", "--format", "json", "--prices", "prices.json", w.run], None),
    "report": lambda w: (["report", "--prices", "prices.json", "-o", "out.html", w.run], None),
    "view": lambda w: _view(w, "--prices", "prices.json"),
}


@pytest.mark.parametrize(("target", "reader"), _rotating(
    ("model-name", "many-models", "input", "output", "entry", *(f"damage:{kind}" for kind in DAMAGES)),
    PRICES_READERS, 2))
def test_a_hostile_prices_file(workspace: Path, request: Any, target: str, reader: str) -> None:
    run_on_file(workspace, request, "prices.json", prices_document, target, PRICES_READERS[reader])


MOCK_READERS: dict[str, Argv] = {
    "replay": lambda w: (["replay", "--mock-file", "mocks.json", "--commands", "-", w.run], None),
    "replay-json": lambda w: (["replay", "--format", "json", "--mock-file", "mocks.json", "--mock-file",
                               "mocks.json", "--commands", "-", w.run], None),
}


@pytest.mark.parametrize(("target", "reader"), _rotating(
    ("key", "value", *(f"damage:{kind}" for kind in DAMAGES)), MOCK_READERS, 2))
def test_a_hostile_mock_file(workspace: Path, request: Any, target: str, reader: str) -> None:
    run_on_file(workspace, request, "mocks.json", mocks_document, target, MOCK_READERS[reader])


@pytest.mark.parametrize("kind", [pytest.param(kind, id=f"{kind}-{n}") for n, kind in enumerate(CONSOLE_KINDS)])
@pytest.mark.parametrize("source", ["file", "stdin"])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_hostile_console_script(workspace: Path, request: Any, kind: str, source: str, fmt: str) -> None:
    rng = random.Random(request.node.callspec.id)
    w = make_workspace(workspace)
    script = console_script(rng, kind)
    (workspace / "script.txt").write_bytes(script)
    where = "script.txt" if source == "file" else "-"
    run(["replay", "--format", fmt, "--break", "tool", "--commands", where, w.run],
        stdin=script if source == "stdin" else None)
