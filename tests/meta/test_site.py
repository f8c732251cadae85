"""The docs site builds offline with `mkdocs build --strict`: no broken link or anchor, no page outside the nav,
and the pages generated from the code (commands, settings, event fields) hold what the code defines."""

from __future__ import annotations

from pathlib import Path

import pytest
from manual import build_site

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
