"""The packaging trap: the published namel3ss wheels lack the provider packs' `pack_manifest.json`.

The runtime reads those manifests (huggingface, local_runner, vision_gen, speech, third_party_apis)
the first time it parses an `ai` block, and a missing one makes every such app fail to load with
`Provider pack manifest missing`. The reader caches what it read on itself (the attribute `_cache`
of `namel3ss.runtime.providers.pack_registry._metadata_map`), so filling that cache with the packs
whose manifests are present lets the app load: only the packs without a manifest are unknown to
the runtime, as they would be if they were not installed. Nothing is written into the package.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ...model.errors import UsageError

REGISTRY = "namel3ss.runtime.providers.pack_registry"
_MISSING = "manifest missing"


def work_around_missing_manifests(version: str) -> str | None:
    """Let apps with an `ai` block load; the note to print when the workaround was needed, else None.

    Raises UsageError when the manifests are missing and this version has no cache to fill. Any
    other failure is left to loading the app, which reports it as the app's error, inside its run.
    """
    try:
        registry = importlib.import_module(REGISTRY)
    except Exception:  # a version without provider packs has nothing to trip on; a broken one, its load says
        return None
    reader = getattr(registry, "_metadata_map", None)
    if not callable(reader) or hasattr(reader, "_cache"):
        return None
    try:
        reader()
        return None
    except Exception as error:
        if not is_manifest_error(error):
            return None
        cause = str(error)
    missing = _fill_cache(registry, reader, version, cause)
    return (f"namel3ss {version} is installed without the provider pack manifests of {', '.join(missing)}; "
            f"the app runs without those provider packs (their providers are unknown to it)")


def _fill_cache(registry: Any, reader: Any, version: str, cause: str) -> list[str]:
    present, missing = _readable_packs(registry)
    try:
        reader._cache = present
        reader()
    except Exception as error:
        failure = f"{cause}; filling its cache failed: {type(error).__name__}: {error}"
        raise cannot_work_around(version, failure) from None
    return missing


def _readable_packs(registry: Any) -> tuple[dict[str, Any], list[str]]:
    """The packs whose manifests parse, by name, and the names of the others."""
    pack_dirs = getattr(registry, "_PACK_DIRS", ())
    parse = getattr(registry, "_parse_manifest", None)
    present: dict[str, Any] = {}
    missing: list[str] = []
    root = Path(registry.__file__).resolve().parent
    for pack_dir in pack_dirs:
        try:
            metadata = parse(root / pack_dir / "pack_manifest.json")  # type: ignore[misc]
            present[metadata.name] = metadata
        except Exception:
            missing.append(str(pack_dir))
    return present, missing or ["some provider packs"]


def is_manifest_error(error: BaseException) -> bool:
    """The runtime's own error for a missing manifest (the workaround did not apply)."""
    return _MISSING in str(error)


def cannot_work_around(version: str, why: str) -> UsageError:
    """The error when the manifests are missing and this version's reader cannot be worked around."""
    return UsageError(f"namel3ss {version} cannot load an app with an `ai` block: its package lacks provider "
                      f"pack manifests ({why}), and namel3ss-debug's workaround does not apply to this version",
                      hint="install namel3ss from a source checkout that has the manifests (pip install -e PATH)")
