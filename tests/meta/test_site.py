"""The docs site builds offline with `mkdocs build --strict`: no broken link or anchor, no page outside the nav,
and the pages generated from the code (commands, settings, event fields) hold what the code defines."""

from __future__ import annotations

import html
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from support.manual import build_site

from namel3ss_debug.cli.main import cli

from namel3ss_debug.config import KEYS
from namel3ss_debug.schemas import analyze_schema_path, trace_schema_path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("site"))


def test_the_site_builds_strictly_with_every_page_in_the_nav(site: Path) -> None:
    pages = {path.parent.relative_to(site).as_posix() for path in site.rglob("index.html")}
    assert {".", "getting-started", "troubleshooting", "reference/commands", "reference/settings"} <= pages
    assert not (site / "hooks").exists()  # the hook is code, not a page


def test_the_command_reference_is_generated_from_the_commands(site: Path) -> None:
    page = (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    for flag in ("--rerun", "--forbid-secrets", "--follow", "--fail-on"):
        assert flag in page, flag


def test_the_command_reference_shows_no_sentinel_for_a_default(site: Path) -> None:
    """click 8.3+ gives an option without a default a sentinel, which mkdocs-click 0.9 printed 135 times."""
    page = (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    assert "Sentinel" not in page and "UNSET" not in page
    row = re.search(r"<tr>\s*<td><code>--slow-threshold</code></td>.*?</tr>", page, re.S)
    assert row is not None and row.group(0).count("<code>1s</code>") == 1  # a real default is shown


def test_every_option_of_the_command_reference_is_one_row_of_four_cells(site: Path) -> None:
    """A `|` in a METAVAR (`--event N|ID`) split its row, even inside backticks."""
    page = (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    assert len(rows) > 100 and {row.count("<td") for row in rows if "<td" in row} == {4}
    assert "<code>N&#124;ID</code>" in page


def test_the_command_reference_keeps_every_examples_block_line_by_line(site: Path) -> None:
    """Each `Examples:` block of a command's help is a code block of the page, one example a line, as --help
    prints it (not run together into a paragraph)."""
    page = (site / "reference" / "commands" / "index.html").read_text(encoding="utf-8")
    blocks = [html.unescape(re.sub(r"<[^>]+>", "", code)) for code in re.findall(r"<pre>(.*?)</pre>", page, re.S)]
    examples = list(_examples(click.Context(cli, info_name="namel3ss-debug")))
    assert len(examples) >= 12
    missing = [name for name, lines in examples if not any(lines in block for block in blocks)]
    assert missing == []


def _examples(ctx: click.Context) -> Iterator[tuple[str, str]]:
    """(command, its examples as lines) for every command with an `Examples:` block in its help."""
    help_text = inspect.cleandoc(ctx.command.help or "")
    for paragraph in re.split(r"\n\s*\n", help_text):
        lines = paragraph.splitlines()
        if len(lines) > 2 and lines[0].strip() == "\b" and lines[1].strip() == "Examples:":
            yield ctx.command_path, "\n".join(line.strip() for line in lines[2:])
    if isinstance(ctx.command, click.Group):
        for name in ctx.command.list_commands(ctx):
            sub = ctx.command.get_command(ctx, name)
            assert sub is not None
            yield from _examples(click.Context(sub, info_name=name, parent=ctx))


def test_no_inline_code_shows_a_backslash_before_a_pipe(site: Path) -> None:
    """Python-Markdown keeps a code span as written, in a table too: `a\\|b` in backticks shows its backslash on
    the site (GitHub shows `a|b`). A table cell writes `<code>a&#124;b</code>`, other text a plain `|`. A code
    block shows what was typed, so a `\\|` there is the example's own."""
    shown: set[tuple[str, str]] = set()
    for page in sorted(site.rglob("*.html")):
        text = re.sub(r"<pre\b.*?</pre>", "", page.read_text(encoding="utf-8"), flags=re.S)
        shown |= {(page.relative_to(site).as_posix(), html.unescape(code))
                  for code in re.findall(r"<code\b[^>]*>(.*?)</code>", text, re.S) if "\\|" in code}
    assert sorted(shown) == []


def test_the_settings_reference_names_every_key_and_variable(site: Path) -> None:
    page = (site / "reference" / "settings" / "index.html").read_text(encoding="utf-8")
    missing = [key for key in KEYS if f"<code>{key}</code>" not in page
               or f"<code>NAMEL3SS_DEBUG_{key.upper()}</code>" not in page]
    assert missing == []


def test_the_front_page_is_the_guide(site: Path) -> None:
    page = (site / "index.html").read_text(encoding="utf-8")
    assert "The commands at a glance" in page and 'href="getting-started/"' in page


def test_the_schemas_are_files_of_the_site_as_shipped(site: Path) -> None:
    for path in (trace_schema_path(), analyze_schema_path()):
        assert (site / "reference" / path.name).read_bytes() == path.read_bytes()
    page = (site / "reference" / "schemas" / "index.html").read_text(encoding="utf-8")
    assert "<code>health</code>" in page and 'href="../analyze-v1.schema.json"' in page
