"""Where the LLM calls a rerun's recording cannot answer go, as `verify`, `bisect` and a fork say it: at
`--base-url`, at the endpoints the app called (`--live`; a fork's by default), or nowhere (reported as misses)."""

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


def fork_going_live(call: str, endpoints: tuple[str, ...], given: bool) -> Text:
    """The line `replay --rerun --fork` writes on stderr before the app runs, unless `--offline`: where the LLM
    calls the recording cannot answer from the fork's call on go (`given`: `--base-url` named it)."""
    where = f"--base-url {_endpoints(endpoints)}" if given else \
        f"the endpoints the app called ({_endpoints(endpoints)}); --base-url URL sends them elsewhere"
    return Text(visible(f"fork: LLM calls the recording cannot answer from {call} on go live to {where}, with the "
                        "environment's keys; --offline stops at the first instead; the report counts them"),
                style="yellow")
