"""The report as one HTML file: the page's template with its style, its script and the data inside it.

Nothing outside the file is fetched: the Content-Security-Policy allows no network at all for a report
(`connect-src 'self'` only for the page `view` serves, which polls its own server), and no script but
the page's own, named by its SHA-256, so even text that reached the page as markup could run nothing.
The data goes in a `<script type="application/json">` element, which no browser runs, with `<`, `>`
and `&` written as JSON escapes, so no text in a trace can close the element.
"""

from __future__ import annotations

import base64
import hashlib
import html
import re
from importlib import resources
from typing import Any

import orjson

from ...model.messages import visible
from ..json_text import compact_json

_TOKENS = re.compile(r"__N3_TITLE__|__N3_CSP__|/\*__N3_CSS__\*/|/\*__N3_JS__\*/|__N3_DATA__")
_UNSAFE_IN_SCRIPT = re.compile(rb"[<>&]|\xe2\x80[\xa8\xa9]")


def page_html(document: dict[str, Any], *, served: bool = False) -> str:
    """The whole page of `document`; `served`: for `view` (it may fetch from where it came from)."""
    web = resources.files("namel3ss_debug.render") / "web"
    template = (web / "page.html").read_text(encoding="utf-8")
    script = "\n".join(item.read_text(encoding="utf-8") for item in
                       sorted((web / "js").iterdir(), key=lambda item: item.name) if item.name.endswith(".js"))
    values = {
        "__N3_TITLE__": html.escape(visible(str(document.get("title") or "namel3ss-debug report"))),
        "__N3_CSP__": html.escape(_policy(script, served)),
        "/*__N3_CSS__*/": (web / "app.css").read_text(encoding="utf-8"),
        "/*__N3_JS__*/": script,
        "__N3_DATA__": data_text(document),
    }
    return _TOKENS.sub(lambda match: values[match.group()], template)


def data_text(document: dict[str, Any]) -> str:
    """The document as JSON that is safe inside a `<script>` element (and is the same JSON to a parser)."""
    try:
        data = orjson.dumps(document)
    except (TypeError, orjson.JSONEncodeError):
        data = compact_json(document).encode()
    return _UNSAFE_IN_SCRIPT.sub(lambda match: b"\\u%04x" % ord(match.group().decode()), data).decode()


def _policy(script: str, served: bool) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return "; ".join((
        "default-src 'none'", f"script-src 'sha256-{digest}'", "style-src 'unsafe-inline'", "img-src data:",
        "connect-src 'self'" if served else "connect-src 'none'",
        "base-uri 'none'", "form-action 'none'",
    ))
