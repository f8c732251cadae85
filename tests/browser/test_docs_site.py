"""The docs site (mkdocs-material) built strictly, served over HTTP and used in headless Chromium: the search
box finds a command and links to the page that documents it, and the pages show what they say they do.

The site is served rather than opened as files because the theme's search runs in a web worker that fetches
`search/search_index.json`, which a `file://` page may not do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support.manual import build_site
from support.stubs import LoopbackServer, files

pytestmark = pytest.mark.browser

# the links of the search's results once it has answered (the worker has read the index and matched)
RESULT_LINKS = ("return Array.from(document.querySelectorAll('.md-search-result__item a'))"
                ".map(a => a.getAttribute('href'))")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site as `mkdocs build --strict` writes it."""
    return build_site(tmp_path_factory.mktemp("docs-site"))


@pytest.fixture(scope="module")
def site_url(site: Path) -> Iterator[str]:
    """The base URL of the built site, served on a free port of 127.0.0.1 for the module's tests."""
    with LoopbackServer({"GET *": files(site)}, name="docs-site", protocol="HTTP/1.0") as server:
        yield f"{server.url}/"


def search(browser: Any, query: str) -> list[str]:
    """Type `query` into the header's search box as a user does; the links of the results it shows."""
    browser.wait_for("return document.querySelector('input.md-search__input') !== null",
                     message="the page has no search box")
    browser.click("input.md-search__input")
    browser.type("input.md-search__input", query)
    return browser.wait_for(RESULT_LINKS, timeout=20,
                            message=f"the search for {query!r} showed no result: "
                                    + browser.text(".md-search-result__meta"))


def open_page(browser: Any, url: str) -> None:
    """Load a page of the site and wait until the theme has set it up (its script adds the search's state)."""
    browser.open(url, ready=False)
    browser.wait_for("return document.readyState === 'complete'", timeout=30, message=f"{url} never loaded")


@pytest.mark.parametrize(("query", "page"), [
    ("redact", "redaction/"),
    ("forbid-secrets", "redaction/"),
    ("rerun", "rerun/"),
    # lunr reads a leading "-" as "without this word": docs/javascripts/options.js drops the dashes as typed
    ("--rerun", "rerun/"),
    ("--forbid-secrets", "redaction/"),
])
def test_the_search_box_finds_a_command_and_links_to_its_page(browser: Any, site_url: str, query: str,
                                                               page: str) -> None:
    open_page(browser, site_url)
    links = search(browser, query)
    assert any(page in href for href in links), f"no result for {query!r} links to {page}: {links}"


def test_a_word_typed_up_to_its_dash_waits_for_the_next_key(browser: Any, site_url: str) -> None:
    """"forbid-" on the way to "forbid-secrets" is not handed to lunr, which cannot read it: the browser log
    stays clean (checked as each test ends) and the whole word is then found."""
    open_page(browser, site_url)
    search(browser, "forbid")
    browser.type("input.md-search__input", "-")
    time.sleep(1.5)  # time for the theme's worker to search "forbid-", were it handed over
    browser.type("input.md-search__input", "secrets")
    links = browser.wait_for(RESULT_LINKS, timeout=20, message="no result for forbid-secrets")
    assert any("redaction/" in href for href in links), links


def test_a_search_result_opens_the_page_it_names(browser: Any, site_url: str) -> None:
    open_page(browser, site_url)
    search(browser, "redact")
    browser.click(".md-search-result__item a[href*='redaction/']")
    browser.wait_for("return location.pathname.includes('/redaction/')", timeout=20,
                     message="clicking the result did not open the redaction page")
    assert "Redaction" in browser.text("article h1")


def test_getting_started_shows_shell_completion(browser: Any, site_url: str) -> None:
    open_page(browser, site_url + "getting-started/")
    headings = browser.js("return Array.from(document.querySelectorAll('article h2')).map(h => h.innerText)")
    assert any(heading.strip().startswith("Shell completion") for heading in headings), headings
    assert "_NAMEL3SS_DEBUG_COMPLETE=bash_source namel3ss-debug" in browser.text("article")


def test_the_commands_reference_shows_the_options_in_tables(browser: Any, site_url: str) -> None:
    open_page(browser, site_url + "reference/commands/")
    rows = browser.js("return Array.from(document.querySelectorAll('article table tbody tr'))"
                      ".map(r => Array.from(r.cells).map(c => c.innerText))")
    first_cells = [row[0] for row in rows]
    assert any("--forbid-secrets" in cell for cell in first_cells), first_cells[:20]
    assert any("--rerun" in cell for cell in first_cells), first_cells[:20]
    version = next(row for row in rows if "--version" in row[0])
    assert version[2] == "Show the version and exit."
