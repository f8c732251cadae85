"""Where the LLM calls a rerun's recording cannot answer go, as `verify` and `bisect` say it: at `--base-url`, at
the endpoints the app called (`--live`), or nowhere (reported as misses)."""

from __future__ import annotations

from rich.text import Text

from ..text import visible


def misses_go(base_url: str | None, own: bool, endpoints: tuple[str, ...]) -> str:
    """Where an LLM call the recording cannot answer goes (`verify`'s and `bisect`'s reports)."""
    if base_url:
        return f"LLM misses live at {base_url}"
    if own:
        return f"LLM misses live at the endpoints the app called ({_endpoints(endpoints)})"
    return "LLM misses reported (no --base-url or --live)"


def _endpoints(endpoints: tuple[str, ...]) -> str:
    return ", ".join(endpoints) if endpoints else "the recording names none"


def going_live(endpoints: tuple[str, ...], command: str = "verify") -> Text:
    """The line `verify` or `bisect` writes on stderr before its first rerun under `--live`: where what the
    recording cannot answer goes."""
    return Text(visible(f"{command}: --live: LLM calls the recording cannot answer go to the endpoints the app called "
                        f"({_endpoints(endpoints)}), with the environment's keys; the report counts them"),
                style="yellow")
