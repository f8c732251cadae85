"""The manual as its readers get it: DEBUGGING_GUIDE.md (the front page) and every page under docs/, with the
tables the site's hook generates from the code written in (`<!-- generated: NAME -->`); and the site itself,
as `mkdocs build --strict` writes it (`build_site`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from support.pathmodule import module_at

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HOOK = module_at("docs_hook", DOCS / "hooks" / "generated.py")


def build_site(out: Path) -> Path:
    """The docs site built into `out` by `mkdocs build --strict` (a broken link or anchor fails it)."""
    built = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(out)], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                           timeout=300, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def page_paths() -> list[Path]:
    """The front page, then the site's pages (docs/index.md only stands for the front page)."""
    pages = sorted(path for path in DOCS.rglob("*.md") if path.name != "index.md")
    return [ROOT / "DEBUGGING_GUIDE.md", *pages]


PAGES: dict[str, str] = {str(path.relative_to(ROOT)): HOOK.expand(path.read_text(encoding="utf-8"))
                         for path in page_paths()}
MANUAL = "\n\n".join(PAGES.values())
