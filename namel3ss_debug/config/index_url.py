"""`run_index_url`: the PostgreSQL database that holds a team's run index, as a libpq URL, and the password it
must never carry where it would be written down.

A password belongs to the user's environment (the URL in `NAMEL3SS_DEBUG_RUN_INDEX_URL`, or libpq's own places:
PGPASSWORD, ~/.pgpass, a PGSERVICE entry), never to a workspace file, which a team commits: a URL with a password
there is refused (`config/__init__.py`), and every URL shown or recorded (`config show`, a run's `run_start`) has
its password masked (`masked`). Stdlib only, like the settings.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SCHEMES = ("postgresql", "postgres")
MASK = "****"


def url_problem(url: str) -> str | None:
    """Why `url` is not a PostgreSQL URL we can use, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is no number raises here, not at connecting
    except ValueError as error:
        return f"not a URL ({error})"
    if parts.scheme not in SCHEMES:
        return "not a postgresql:// URL"
    return None


def has_password(url: str) -> bool:
    """Whether the URL carries a password (`user:secret@host`, or `?password=secret`)."""
    parts = urlsplit(url)
    return parts.password is not None or any(name == "password" for name, _ in parse_qsl(parts.query))


def masked(url: str) -> str:
    """The URL with its password, if any, replaced by MASK: what may be shown or written down (a text that does
    not parse as a URL is all MASK: it cannot be told where a password in it would be)."""
    try:
        if not url or not has_password(url):
            return url
    except ValueError:
        return MASK
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:{MASK}@{host}"
    query = urlencode([(name, MASK if name == "password" else value) for name, value in parse_qsl(parts.query)],
                      safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def shown(url: str) -> str:
    """The URL as a message names it: masked, and without its query (options, never the place)."""
    parts = urlsplit(masked(url))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
