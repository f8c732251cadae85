"""The checks that keep the code honest run with the tests: ruff over the repository and mypy over the package,
with the configuration in pyproject.toml, each finding nothing; and that configuration really catches what it
is there for (a type error in a module of the package, an import inside a function without its reason).
.pre-commit-config.yaml runs the same two commands before a commit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# mypy's cache lives outside the clone, so that a fresh checkout on a machine that ran it before checks only
# what changed (about 1 s instead of 30); under ~/.cache as tests/support/venvs.py's venvs, not under XDG_CACHE_HOME,
# which tests/conftest.py points at a directory of the session's (a cache there never outlived a run)
MYPY_CACHE = Path.home() / ".cache" / "namel3ss-debug" / "mypy"
RUFF = [sys.executable, "-m", "ruff", "check", "--no-cache"]
MYPY = [sys.executable, "-m", "mypy", "--cache-dir", str(MYPY_CACHE)]
# pyproject.toml checks the whole package as `mypy --strict` does; the modules of ours an override of its
# [tool.mypy] may still check less strictly: none, and the number only goes down
PACKAGES = ("namel3ss_debug", "namel3ss_debug_pytest")
NOT_STRICT_MODULES = 0
LATE_IMPORT = re.compile(r"#\s*noqa:[^#\n]*\bPLC0415\b(?P<rest>[^\n]*)")


def run(command: list[str], *extra: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*command, *extra], cwd=ROOT, input=stdin, capture_output=True, text=True, timeout=600)


def python_files() -> list[Path]:
    skipped = {".venv", "build", ".git", "node_modules"}
    return [path for path in ROOT.rglob("*.py") if not skipped & set(path.relative_to(ROOT).parts)]


def test_ruff_finds_nothing() -> None:
    result = run(RUFF)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_finds_nothing_in_the_package() -> None:
    result = run(MYPY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_a_type_error_in_the_package_fails_the_type_check(tmp_path) -> None:
    """The package as it is, but for one module given a function that returns text where it says int."""
    module = ROOT / "namel3ss_debug" / "analysis" / "stats.py"
    shadow = tmp_path / "stats.py"
    shadow.write_text(module.read_text() + '\n\ndef _not_a_number() -> int:\n    return "seven"\n')
    result = run(MYPY, "--shadow-file", str(module), str(shadow))
    assert result.returncode == 1, result.stdout + result.stderr
    assert re.search(r"analysis/stats\.py:\d+: error: Incompatible return value type \(got \"str\", expected "
                     r"\"int\"\)", result.stdout), result.stdout


def test_the_whole_package_is_checked_strict() -> None:
    """`strict = true` in pyproject.toml's [tool.mypy], and no override there names a module of ours (its
    overrides are for the frameworks and SDKs, read as Any)."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config.get("strict") is True
    ours = []
    for override in config.get("overrides", []):
        modules = override["module"]
        ours += [module for module in ([modules] if isinstance(modules, str) else modules)
                 if module.split(".")[0] in PACKAGES]
    assert len(ours) <= NOT_STRICT_MODULES, ours


def test_every_folder_refuses_an_unannotated_function(tmp_path) -> None:
    """The check is `mypy --strict`'s everywhere: one module of each folder of the package, and one beside
    them, each given a function without annotations, in one run, are each refused."""
    untyped = "\n\ndef _untyped(value):\n    return value\n"
    folders = [ROOT / package for package in PACKAGES]
    folders += [path for path in sorted((ROOT / PACKAGES[0]).iterdir()) if (path / "__init__.py").is_file()]
    modules = []
    for folder in folders:
        files = sorted(folder.glob("*.py"), key=lambda path: (path.name == "__init__.py", path.name))
        modules.append(files[0].relative_to(ROOT).as_posix())
    shadows = []
    for module in modules:
        shadow = tmp_path / module.replace("/", "_")
        shadow.write_text((ROOT / module).read_text() + untyped)
        shadows += ["--shadow-file", module, str(shadow)]
    result = run(MYPY, *shadows)
    found = set(re.findall(r"^(\S+\.py):\d+: error: Function is missing a type annotation", result.stdout,
                           re.MULTILINE))
    assert result.returncode == 1 and found == set(modules), result.stdout + result.stderr


def test_an_import_inside_a_function_needs_a_noqa_with_its_reason() -> None:
    late = 'def load():\n    import json\n    return json\n'
    result = run(RUFF, "--stdin-filename", "namel3ss_debug/late.py", "-", stdin=late)
    assert result.returncode == 1 and "PLC0415" in result.stdout, result.stdout
    marked = 'def load():\n    import json  # noqa: PLC0415 - only this command reads JSON\n    return json\n'
    assert run(RUFF, "--stdin-filename", "namel3ss_debug/late.py", "-", stdin=marked).returncode == 0


def test_every_late_import_says_why() -> None:
    """`# noqa: PLC0415 - the reason`: ruff holds the rule, this holds the reason."""
    bare = []
    for path in python_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = LATE_IMPORT.search(line)
            if found and not re.match(r"\s*(,\s*[A-Z]+\d+\s*)*-\s+\S", found["rest"]):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "\n".join(bare)


def test_a_noqa_no_rule_needs_is_itself_a_finding() -> None:
    stale = 'import json  # noqa: E402\n\nprint(json)\n'
    result = run(RUFF, "--stdin-filename", "namel3ss_debug/stale.py", "-", stdin=stale)
    assert result.returncode == 1 and "RUF100" in result.stdout, result.stdout


def test_pre_commit_runs_the_same_checks() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks["ruff"]["entry"].split() == ["python", "-m", "ruff", "check"]
    assert hooks["mypy"]["entry"].split() == ["python", "-m", "mypy"]
    assert hooks["mypy"]["pass_filenames"] is False  # the package as pyproject.toml names it, whole
