"""The manual as its readers get it: DEBUGGING_GUIDE.md (the front page) and every page under docs/, with the
tables the site's hook generates from the code written in (`<!-- generated: NAME -->`)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _hook() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hook", DOCS / "hooks" / "generated.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


HOOK = _hook()


def expanded(text: str) -> str:
    return HOOK._PLACEHOLDER.sub(lambda found: HOOK._TABLES[found.group(1)](), text)


def page_paths() -> list[Path]:
    """The front page, then the site's pages (docs/index.md only stands for the front page)."""
    pages = sorted(path for path in DOCS.rglob("*.md") if path.name != "index.md")
    return [ROOT / "DEBUGGING_GUIDE.md", *pages]


PAGES: dict[str, str] = {str(path.relative_to(ROOT)): expanded(path.read_text(encoding="utf-8"))
                         for path in page_paths()}
MANUAL = "\n\n".join(PAGES.values())
