"""Virtual environments for programs the tests run beside ours (a backend such as Phoenix) whose own
requirements would fight ours: each built once per set of requirements and this Python, and reused.

They live outside the checkout, under `$NAMEL3SS_TEST_VENVS` (default `~/.cache/namel3ss-debug/test-venvs`),
named `<name>-<hash of the requirements and Python version>`: a changed pin builds a new one, and a clean
checkout in CI reuses the one an earlier run built. A build that fails fails the test that needed it (the
package registries are reachable wherever the tests run); a half-built one is never used (`.ready` is
written last), and a lock keeps two test processes from building the same one at once.

A framework whose pins fight the dev extra's (CrewAI wants openai < 3; autogen-core an older protobuf) is
tested from one of these too (`framework_venv`): the venv holds the framework and namel3ss-debug's own
dependencies, and runs namel3ss-debug from this checkout (`PYTHONPATH`), compiled kernels included.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BUILD_TIMEOUT_S = 900
CHECKOUT = Path(__file__).resolve().parents[2]


def venvs_home() -> Path:
    given = os.environ.get("NAMEL3SS_TEST_VENVS")
    return Path(given) if given else Path.home() / ".cache" / "namel3ss-debug" / "test-venvs"


def venv_python(name: str, requirements: tuple[str, ...]) -> Path:
    """The interpreter of the venv holding `requirements`, built now if no earlier run built it."""
    key = hashlib.sha256("\n".join([sys.version, *sorted(requirements)]).encode()).hexdigest()[:12]
    where = venvs_home() / f"{name}-{key}"
    python = where / "bin" / "python"
    if (where / ".ready").exists():
        return python
    where.parent.mkdir(parents=True, exist_ok=True)
    with open(where.parent / f"{name}-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test process may be building it: wait for that one
        if not (where / ".ready").exists():
            _build(where, requirements)
    return python


def _build(where: Path, requirements: tuple[str, ...]) -> None:
    shutil.rmtree(where, ignore_errors=True)  # a build cut short earlier
    steps = ([sys.executable, "-m", "venv", str(where)],
             [str(where / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
              *requirements])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S)
        if done.returncode != 0:
            pytest.fail(f"could not build the virtual environment {where} ({' '.join(step[-3:])}):\n"
                        f"{done.stderr[-2000:]}")
    (where / ".ready").write_text("\n".join(requirements) + "\n")


@dataclass(frozen=True)
class FrameworkVenv:
    """A venv holding a framework beside namel3ss-debug's dependencies: its interpreter, and the environment
    under which it imports namel3ss-debug from this checkout."""

    python: Path

    def environ(self, base: dict[str, str]) -> dict[str, str]:
        paths = [str(CHECKOUT), *filter(None, [base.get("PYTHONPATH")])]
        return {**base, "PYTHONPATH": os.pathsep.join(paths)}


def framework_venv(name: str, requirements: tuple[str, ...]) -> FrameworkVenv:
    """The venv for `name`'s tests: `requirements` (exact pins) and what namel3ss-debug itself needs."""
    return FrameworkVenv(venv_python(name, (*own_requirements(), *requirements)))


def own_requirements() -> tuple[str, ...]:
    """namel3ss-debug's runtime dependencies, as pyproject.toml pins them."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    with (CHECKOUT / "pyproject.toml").open("rb") as source:
        return tuple(tomllib.load(source)["project"]["dependencies"])
