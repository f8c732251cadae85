"""`config show|init|validate`'s use cases: the effective settings, a starter file, a file checked."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import WORKSPACE_FILE, ResolvedSettings, find_workspace_file, load_settings, starter_config
from ..model.errors import ConfigError, UsageError
from ..model.fs import replace_beside
from .environment import Environment

CONFIG_MODE = 0o644  # a workspace's settings hold no secret (redaction keeps them out of traces)


def show_settings(config_path: Path | None, env: Environment) -> ResolvedSettings:
    """Every key's effective value and where it came from (its warnings among them)."""
    return load_settings(env.environ, env.cwd, config_path=config_path)


def init_config(path: Path | None, force: bool, env: Environment) -> Path:
    """Write a starter .namel3ss/debug.json at `path` (a file, or a directory to write it under; default the
    working directory) and return where. Raises UsageError when the file exists and not `force`."""
    target = _init_target(env.cwd, path)
    if (target.exists() or target.is_symlink()) and not force:
        raise UsageError(f"{target} already exists", hint="pass --force to overwrite it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except RecursionError:  # pathlib makes each missing parent in a call of its own
        raise UsageError("the path has too many directories that do not exist yet", where=str(target.parent),
                         hint="make the directory first, or write the file nearer the working directory") from None
    # put in place whole, a link at the name replaced rather than written through (a clone can carry one)
    replace_beside(target, lambda out: out.write(starter_config().encode("utf-8")), mode=CONFIG_MODE)
    return target


def _init_target(cwd: Path, path: Path | None) -> Path:
    if path is None:
        return cwd / WORKSPACE_FILE
    path = cwd / path
    return path / WORKSPACE_FILE if path.is_dir() else path


@dataclass(frozen=True)
class Validated:
    """The file checked, and what in it was not an error (unknown keys)."""

    path: Path
    warnings: tuple[str, ...]


def validate_config(path: Path | None, env: Environment) -> Validated:
    """Check the file (default: the one found from the working directory upwards), its `checks` section too.

    Only the file: the environment's NAMEL3SS_DEBUG_* variables are not read. Raises ConfigError for the
    first error.
    """
    path = path or _found_file(env.cwd)
    resolved = load_settings({}, env.cwd, config_path=path)
    from ..checks.rules_file import read_workspace_checks  # noqa: PLC0415 - only validate needs the rules

    read_workspace_checks(resolved.workspace)  # the `checks` section, by the rules `namel3ss-debug check` applies
    return Validated(path, resolved.warnings)


def _found_file(cwd: Path) -> Path:
    found = find_workspace_file(cwd)
    if found is None:
        raise ConfigError(
            f"no {WORKSPACE_FILE} found in {cwd} or its parents",
            hint="pass a PATH, or run `namel3ss-debug config init`",
        )
    return found
