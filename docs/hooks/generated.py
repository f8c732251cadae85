"""The site's pages that the code writes: the front page is DEBUGGING_GUIDE.md (links into docs/ made
site-relative), and `<!-- generated: NAME -->` in a page becomes the table NAME made from the code, so the
reference cannot drift from what the tool does (tests/meta checks the same from the code)."""

from __future__ import annotations

import json
import re
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from namel3ss_debug.config import ENV_PREFIX, Settings
from namel3ss_debug.config_help import KEY_HELP
from namel3ss_debug.schemas import analyze_schema_path, trace_schema_path

ROOT = Path(__file__).resolve().parents[2]
_PLACEHOLDER = re.compile(r"<!-- generated: ([a-z-]+) -->")


def on_files(files: Any, config: Any) -> Any:
    """The JSON Schemas the package ships, as files of the site (`reference/<name>.schema.json`)."""
    from mkdocs.structure.files import File  # noqa: PLC0415 - mkdocs runs this hook: only it needs mkdocs

    for path in (trace_schema_path(), analyze_schema_path()):
        files.append(File.generated(config, f"reference/{path.name}", content=path.read_bytes()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri == "index.md":
        markdown = _front_page()
    return expand(markdown, "../" * page.file.src_uri.count("/"))


def expand(markdown: str, up: str = "") -> str:
    """Each `<!-- generated: NAME -->` as its table, for a page `up` (`../` a folder) below the docs' top folder,
    from which the tables' links are written."""
    return _PLACEHOLDER.sub(lambda found: _relative(_TABLES[found.group(1)](), up), markdown)


def _relative(table: str, up: str) -> str:
    return re.sub(r"\]\((?!https?:|#)", f"]({up}", table) if up else table


def _front_page() -> str:
    """DEBUGGING_GUIDE.md as the site's home: `docs/x.md` is `x.md` there."""
    text = (ROOT / "DEBUGGING_GUIDE.md").read_text(encoding="utf-8")
    return re.sub(r"\]\(docs/", "](", text)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _settings() -> str:
    rows = ["| key | type | default | environment variable | meaning and valid values |", "|---|---|---|---|---|"]
    for item in fields(Settings):
        default = item.default if item.default is not MISSING else item.default_factory()  # type: ignore[misc]
        shown = json.dumps(list(default) if isinstance(default, tuple) else default)
        kind = _KINDS.get(type(default), "object")
        rows.append(f"| `{item.name}` | {kind} | `{_cell(shown)}` | `{ENV_PREFIX}{item.name.upper()}` "
                    f"| {_cell(KEY_HELP[item.name])} |")
    return "\n".join(rows)


_KINDS = {bool: "bool", str: "string", int: "integer", float: "number", tuple: "list of strings", dict: "object"}


def _event_fields() -> str:
    schema = json.loads(trace_schema_path().read_text(encoding="utf-8"))
    required = set(schema["required"])
    rows = ["| field | required | type | meaning |", "|---|---|---|---|"]
    for name, spec in schema["properties"].items():
        kind = spec.get("type", "const" if "const" in spec else "any")
        kind = " or ".join(kind) if isinstance(kind, list) else kind
        needed = "yes" if name in required else "no"
        rows.append(f"| `{name}` | {needed} | {kind} | {_cell(spec.get('description', ''))} |")
    return "\n".join(rows)


def _report_sections() -> str:
    schema = json.loads(analyze_schema_path().read_text(encoding="utf-8"))
    rows = ["| field | meaning |", "|---|---|"]
    rows += [f"| `{name}` | {_cell(spec.get('description', ''))} |" for name, spec in schema["properties"].items()]
    return "\n".join(rows)


_TABLES = {"settings": _settings, "event-fields": _event_fields, "report-fields": _report_sections}
