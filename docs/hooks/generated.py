"""The site's pages that the code writes: the front page is DEBUGGING_GUIDE.md (links into docs/ made
site-relative), `<!-- generated: NAME -->` in a page becomes the table NAME made from the code, and
`<!-- reference: commands -->` every command's help, usage and options, read from the click commands, so the
reference cannot drift from what the tool does (tests/meta checks the same from the code).

The commands are written here rather than by mkdocs-click, which showed click 8.3's `Sentinel.UNSET` as the
default of every option without one and ran each `\\b` block of the help (the Examples) into one paragraph."""

from __future__ import annotations

import html
import inspect
import json
import re
import textwrap
from collections.abc import Iterator
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from namel3ss_debug.config import ENV_PREFIX, Settings
from namel3ss_debug.config.help import KEY_HELP
from namel3ss_debug.schemas import (analyze_schema_path, bisect_schema_path, diagnose_schema_path,
                                    experiment_schema_path, parquet_schema_path, runs_schema_path, trace_schema_path,
                                    verify_schema_path)

ROOT = Path(__file__).resolve().parents[2]
_PLACEHOLDER = re.compile(r"<!-- generated: ([a-z-]+) -->")
_COMMANDS = "<!-- reference: commands -->"  # not a table of `expand`: the manual's own pages must name each option


def on_files(files: Any, config: Any) -> Any:
    """The JSON Schemas the package ships, as files of the site (`reference/<name>.schema.json`)."""
    from mkdocs.structure.files import File  # noqa: PLC0415 - mkdocs runs this hook: only it needs mkdocs

    for path in (trace_schema_path(), analyze_schema_path(), diagnose_schema_path(), runs_schema_path(),
                 verify_schema_path(), bisect_schema_path(), experiment_schema_path(), parquet_schema_path()):
        files.append(File.generated(config, f"reference/{path.name}", content=path.read_bytes()))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if page.file.src_uri == "index.md":
        markdown = _front_page()
    markdown = markdown.replace(_COMMANDS, "\n".join(commands_reference()))
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


def _parquet_columns(table: str) -> str:
    """The columns of one of `export --to parquet`'s tables, from the schema its files are written by."""
    schema = json.loads(parquet_schema_path().read_text(encoding="utf-8"))
    rows = ["| column | type | null | meaning |", "|---|---|---|---|"]
    for name, spec in schema["$defs"][table]["properties"].items():
        nullable = "yes" if "null" in spec["type"] else "no"
        rows.append(f"| `{name}` | `{spec['x-parquet']}` | {nullable} | {_cell(spec['description'])} |")
    return "\n".join(rows)


_TABLES = {"settings": _settings, "event-fields": _event_fields, "report-fields": _report_sections,
           "parquet-runs": lambda: _parquet_columns("runs"), "parquet-spans": lambda: _parquet_columns("spans"),
           "parquet-events": lambda: _parquet_columns("events")}


def commands_reference() -> Iterator[str]:
    """Markdown for `namel3ss-debug` and each of its commands (a group's subcommands after it): a heading whose
    anchor is the command's path (`#namel3ss-debug-config-show`), its help, usage and options."""
    import click  # noqa: PLC0415 - only the site's build needs the commands

    from namel3ss_debug.cli.main import cli  # noqa: PLC0415 - only the site's build needs the commands

    yield from _command(click.Context(cli, info_name="namel3ss-debug", **cli.context_settings), 1)


def _command(ctx: Any, depth: int) -> Iterator[str]:
    import click  # noqa: PLC0415 - only the site's build needs the commands

    command = ctx.command
    anchor = ctx.command_path.replace(" ", "-")
    yield f"{'#' * depth} {ctx.command_path} {{ #{anchor} data-toc-label='{ctx.info_name}' }}"
    yield ""
    yield from help_markdown(command.help or command.short_help or "")
    yield from ["**Usage:**", "", "```text", command.get_usage(ctx).removeprefix("Usage: "), "```", ""]
    yield from _options(ctx)
    if isinstance(command, click.Group):
        subcommands = [(name, command.get_command(ctx, name)) for name in command.list_commands(ctx)]
        yield from ["**Commands:**", ""]
        for name, sub in subcommands:
            path = f"{anchor}-{name}"
            yield f"- [{name}](#{path}): {_cell(sub.get_short_help_str(limit=200))}"
        yield ""
        for name, sub in subcommands:
            yield from _command(click.Context(sub, info_name=name, parent=ctx, **sub.context_settings), depth + 1)


def help_markdown(text: str) -> Iterator[str]:
    """A command's help as Markdown: a paragraph as one, a `\\b` paragraph with its lines kept (its heading line,
    such as `Examples:`, as a paragraph, the lines under it as a text block), as `--help` prints them."""
    text = inspect.cleandoc(text).split("\f")[0]
    for paragraph in re.split(r"\n\s*\n", text):
        lines = paragraph.splitlines()
        if not lines or lines[0].strip() != "\b":
            yield " ".join(line.strip() for line in lines)
            yield ""
            continue
        lines = lines[1:]
        if _headed(lines):
            yield from (lines[0], "")
            lines = lines[1:]
        yield from ["```text", *textwrap.dedent("\n".join(lines)).splitlines(), "```", ""]


def _headed(lines: list[str]) -> bool:
    """`Examples:` over indented lines: a heading line, then the block it names."""
    return len(lines) > 1 and not lines[0].startswith(" ") and all(line.startswith(" ") for line in lines[1:])


def _options(ctx: Any) -> Iterator[str]:
    import click  # noqa: PLC0415 - only the site's build needs the commands

    options = [param for param in ctx.command.get_params(ctx) if isinstance(param, click.Option) and not param.hidden]
    if not options:
        return
    yield from ["**Options:**", "", "| Name | Type | Description | Default |", "|---|---|---|---|"]
    for option in options:
        names = ", ".join(f"`{name}`" for name in option.opts)
        if option.secondary_opts:
            names += " / " + ", ".join(f"`{name}`" for name in option.secondary_opts)
        yield f"| {names} | {_type(option)} | {_cell(option.help or '')} | {_default(ctx, option)} |"
    yield ""


def _type(option: Any) -> str:
    """`choice (table, json)`, `integer range (1 to 2)`, `boolean`, or the type's name and the option's METAVAR."""
    import click  # noqa: PLC0415 - only the site's build needs the commands

    kind = option.type
    if option.is_flag:
        return "boolean"
    if isinstance(kind, click.Choice):
        return "choice (" + ", ".join(f"`{choice}`" for choice in kind.choices) + ")"
    if isinstance(kind, (click.IntRange, click.FloatRange)) and kind.min is not None and kind.max is not None:
        return f"{kind.name} (`{kind.min}` to `{kind.max}`)"
    return f"{kind.name} {_code(option.metavar)}" if option.metavar else kind.name


def _code(text: str) -> str:
    """`text` as code in a table cell: HTML, since a `|` splits the row even inside backticks (`N|ID`)."""
    return "<code>" + html.escape(text).replace("|", "&#124;") + "</code>"


def _default(ctx: Any, option: Any) -> str:
    """What the option is when not given: `--help`'s own words for it when it has some, else its value; nothing
    for an option whose absence means what its description says (click 8.3+ gives those a sentinel)."""
    if option.required:
        return "required"
    if isinstance(option.show_default, str):
        return _cell(option.show_default)
    value = option.get_default(ctx, call=False)
    if callable(value) or value is None or value == () or type(value).__name__ == "Sentinel":
        return ""
    if option.is_flag:
        return "on" if value else "off"
    if isinstance(value, (list, tuple)):
        return ", ".join(f"`{_cell(str(item))}`" for item in value)
    return f"`{_cell(str(value))}`"
