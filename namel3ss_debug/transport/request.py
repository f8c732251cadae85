"""A request as every client hook describes it (a rerun matches it as `model.rerun_protocol.RequestSpec`)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

SECRET_QUERY_NAMES = frozenset({"key", "api_key", "apikey", "api-key", "token", "access_token", "auth",
                                "secret", "password", "sig", "signature", "x-goog-api-key", "code"})


@dataclass(frozen=True)
class Outgoing:
    """A request as every client hook describes it."""

    method: str
    scheme: str
    host: str  # with its port when one was given
    path: str
    query: str
    content_type: str  # the only header read: request headers, where keys travel, are never recorded
    body: bytes

    def url(self) -> str:
        """The URL as the trace shows it: query values that look like secrets redacted."""
        query = self.shown_query()
        return f"{self.scheme}://{self.host}{self.path}" + (f"?{query}" if query else "")

    def shown_query(self) -> str:
        """The query as the trace shows it, values that look like secrets redacted (what a rerun matches)."""
        if not self.query:  # most API calls: nothing to parse
            return ""
        return urlencode([(name, "[REDACTED]" if name.lower() in SECRET_QUERY_NAMES else value)
                          for name, value in parse_qsl(self.query, keep_blank_values=True)])


def hostname(host: str) -> str:
    """An `http` span's name: the host without its port (`api.weather.com`; a local server's port changes
    from run to run, and the span's name is how mocks and reports name it)."""
    host = host.lower()
    if host.startswith("["):  # [::1]:8080
        return host[:host.find("]") + 1] or host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host
