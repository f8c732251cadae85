"""Where the LLM calls a rerun's recording cannot answer go, as `verify`, `bisect` and a fork say it: at
`--base-url`, where the app sends them (`--live`; a fork's by default), or nowhere (reported as misses).

Under `--live` a live call goes to the URL the app's current code asks for (`JudgedPolicy.live_url`), which
the recording cannot know before the app runs: the line before the runs says that, with the recording's origins as
what the app called then; the reports name where the live calls went, read from the traces the runs wrote
(`recording/endpoints.live_origins`), beside the recording's."""

from __future__ import annotations

from rich.text import Text

from ..text import visible


def misses_go(base_url: str | None, own: bool, endpoints: tuple[str, ...], went: tuple[str, ...] = ()) -> str:
    """Where an LLM call the recording cannot answer goes (`verify`'s and `bisect`'s reports); under `--live`,
    where the runs' live calls `went` (their traces'), then the recording's `endpoints`."""
    if base_url:
        return f"LLM misses live at {base_url}"
    if own:
        if went and set(went) == set(endpoints):
            return f"LLM misses live where the app sends them (they went to {', '.join(went)}, as the recording's did)"
        live = f"they went to {', '.join(went)}" if went else "none went live"
        return f"LLM misses live where the app sends them ({live}; {_recorded(endpoints)})"
    return "LLM misses reported (no --base-url or --live)"


def ran_live(count: int, went: tuple[str, ...]) -> str:
    """The calls a run made live, and where its LLM calls among them went (its trace's URLs)."""
    return f"{count} run live" + (f" (to {', '.join(went)})" if went else "")


def _endpoints(endpoints: tuple[str, ...]) -> str:
    return ", ".join(endpoints) if endpoints else "the recording names none"


def _recorded(endpoints: tuple[str, ...]) -> str:
    """The recording's origins, said as what the app called then."""
    return f"the recording's went to {', '.join(endpoints)}" if endpoints else "the recording names no endpoint"


def going_live(endpoints: tuple[str, ...], command: str = "verify") -> Text:
    """The line `verify` or `bisect` writes on stderr before its first rerun under `--live`: where what the
    recording cannot answer goes."""
    return Text(visible(f"{command}: --live: LLM calls the recording cannot answer go live where the app sends "
                        f"them, as in a plain run ({_recorded(endpoints)}), with the environment's keys; the report "
                        "names where they went and counts them"),
                style="yellow")


def fork_going_live(call: str, endpoints: tuple[str, ...], given: bool) -> Text:
    """The line `replay --rerun --fork` writes on stderr before the app runs, unless `--offline`: where the LLM
    calls the recording cannot answer from the fork's call on go (`given`: `--base-url` named it)."""
    where = f"--base-url {_endpoints(endpoints)}" if given else \
        f"where the app sends them ({_recorded(endpoints)}); --base-url URL sends them elsewhere"
    return Text(visible(f"fork: LLM calls the recording cannot answer from {call} on go live to {where}, with the "
                        "environment's keys; --offline stops at the first instead; the report names where they "
                        "went and counts them"),
                style="yellow")
