"""A fork of a recorded run (`replay TRACE --rerun --fork CALL`): the plan, and what it decides at each call.

A fork keeps the run up to CALL, changes that one call, and lets the rest follow from the change:
- `answer`: CALL returns VALUE (for an LLM request, a provider-neutral text or assistant message, built into
  the API's response by the request's mock codec; for a decorated call, what its codec rebuilds);
- `ask`: CALL is sent with its messages replaced by VALUE (a JSON list in the call's own API form);
- `model`: CALL and every LLM request after it ask for another model (the body's `model` field);
- `resample`: CALL is sent again as recorded, to see what else the model may say;
- `reask`: CALL is sent again as recorded, and so is every LLM call after it: none is answered from the recording
  (`diagnose --experiment`'s tries: what the model says from CALL on, the run before it replayed).
Calls before CALL are answered from the recording as in any rerun. At CALL the rerun parts from the recording
(`Rerun.part(CALL, "forked")`), so every later call is matched strictly: it gets its recorded answer only when it
asks exactly what was recorded. A tool that misses then runs for real (what the changed answer asked for); an
LLM call or another request that misses runs live, an LLM call at `base_url` when one is given, or, `offline`,
stops the run as a miss with the nearest recorded call.

Pure: the fork's policy (`fork_policy.ForkPolicy`), which the engine asks of every call, asks the plan, which
holds no state.

    plan = ForkPlan("llm:openai.chat#2", "model", model="gpt-4o-mini", base_url="http://127.0.0.1:8001")
    plan.names("llm", "openai.chat", 2)                 # True: this is the fork's call
    plan.request("openai.chat", body, url, True, True)   # (body with model gpt-4o-mini, url at 127.0.0.1:8001)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from ..model.calls import CallAddress
from ..model.errors import UsageError
from ..model.json_types import JsonObject, JsonValue
from ..model.lineage import Fork

CHANGES = ("answer", "ask", "model", "resample", "reask")
# Where each API's request carries what it asks: the field `--ask` replaces.
ASKED_FIELD = {"openai.chat": "messages", "openai.responses": "input", "anthropic.messages": "messages",
               "gemini.generate_content": "contents", "ollama.chat": "messages"}
# The APIs whose request body names its model (Gemini's URL does): those `--model` can send elsewhere.
MODEL_IN_BODY = frozenset({"openai.chat", "openai.responses", "anthropic.messages", "ollama.chat",
                           "ollama.generate", "openai.completions"})
TOOL = "tool"  # from the fork on, a tool the recording cannot answer runs for real, offline too


class ForkError(UsageError):
    """A fork that cannot be made as asked (exit 2): the message says what and how to fix it."""


@dataclass(frozen=True)
class ForkPlan:
    """Fork the run at `call` (`component:name#N`, as mocks name calls) with one `change` (`CHANGES`):
    `value` for `answer` and `ask`, `model` for `model`. `offline`: never go live, stop at the first call the
    recording does not have. `base_url`: where live LLM requests go instead of their recorded origin."""

    call: str
    change: str
    value: JsonValue = None
    model: str | None = None
    offline: bool = False
    base_url: str | None = None

    @property
    def address(self) -> CallAddress:
        return CallAddress.parse(self.call)

    def names(self, component: str, name: str, number: int) -> bool:
        """Whether the rerun's `number`-th call of `component:name` is the fork's call: the recorded call the
        key names, as long as the rerun has followed its recording up to it."""
        address = self.address
        return (address.component, address.name, address.number) == (component, name, number)

    @property
    def goes_live(self) -> bool:
        """Whether the fork's own call is sent to a model (ask, model, resample) rather than answered."""
        return self.change != "answer" and not self.offline

    def reasks(self, component: str, forked: bool) -> bool:
        """Whether a call of `component` is sent live whatever the recording holds: past a `reask` fork's call,
        every LLM call."""
        return forked and self.change == "reask" and component == "llm"

    def on_miss(self, component: str, on_miss: str, forked: bool) -> str:
        """What a call the recording cannot answer does once the fork is reached: a tool runs for real (the
        changed answer asked for it: running it is the fork's plain intent, and the user consented to run the
        app); an LLM call, or any other request, runs live, or, `offline`, stops the run as a miss. Any call
        before the fork, as `--on-miss` says."""
        if not forked:
            return on_miss
        return past_a_change(component, "error" if self.offline else "live")

    def request(self, api: str, body: JsonValue, url: str, at_fork: bool,
                forked: bool) -> tuple[JsonValue, str]:
        """An LLM request's body as the fork sends it, and the URL it goes to if it runs live: at the fork's
        call its messages replaced (`ask`); from the fork's call on, its model (`model`) and its origin
        (`base_url`). Before the fork, both as the app made them."""
        if not forked:
            return body, url
        changes: JsonObject = {}
        if at_fork and self.change == "ask" and api in ASKED_FIELD:
            changes[ASKED_FIELD[api]] = self.value
        if self.model is not None and api in MODEL_IN_BODY:
            changes["model"] = self.model
        sent = {**body, **changes} if changes and isinstance(body, dict) else body  # the same object: unchanged
        return sent, rebased(url, self.base_url) if self.base_url else url

    @property
    def change_text(self) -> str:
        """The change as every text view says it (`model gpt-4o`): lineage's `Fork`."""
        return Fork(self.call, self.change, self.model).change_text

    def lineage(self) -> JsonObject:
        """What the new run's `run_start.attrs.replay_of.fork` says of the fork."""
        said: JsonObject = {"call": self.call, "change": self.change}
        if self.model is not None:
            said["model"] = self.model
        return said


def past_a_change(component: str, otherwise: str) -> str:
    """What a call the recording cannot answer does once the rerun has passed a changed answer (a fork's call,
    a substituted answer of `bisect`'s): a tool runs for real, as the changed answer asked for it; any other call
    does `otherwise`. One rule for forks and bisect: `bisect --answers` runs the tool a corrected answer asks
    for, as a fork does and as `--good FORK` gets its result from the fork's run."""
    return "live" if component == TOOL else otherwise


def fork_plan(call: str, changes: dict[str, JsonValue], offline: bool, base_url: str | None) -> ForkPlan:
    """The plan of `--fork CALL` with the changes given (`{"answer": VALUE}`, `{"ask": VALUE}`, `{"model":
    NAME}`, or none: a re-sample). Raises ForkError for a key that names no one call, two changes at once, an
    `--ask` that is not a list of messages, or a re-sample or `--model` that `--offline` could never send."""
    _check_key(call)
    given = [name for name, value in changes.items() if value is not None]
    if len(given) > 1:
        raise ForkError(f"--{given[0]} and --{given[1]}: a fork makes one change", hint="keep one of them")
    change = given[0] if given else "resample"
    value = changes.get(change) if change in ("answer", "ask") else None
    if change == "ask" and not isinstance(value, list):
        raise ForkError("--ask takes the request's messages: a JSON list, in the call's own API form",
                        hint='e.g. --ask \'[{"role": "user", "content": "Weather in Oslo?"}]\'')
    if offline and change in ("model", "resample"):
        what = "another model" if change == "model" else "the call again"
        raise ForkError(f"--offline with {'--model' if change == 'model' else 'no change'}: the fork would ask "
                        f"{what}, which only a live call can answer",
                        hint="drop --offline, or give --answer VALUE")
    if base_url is not None and offline:
        raise ForkError("--base-url and --offline: an offline fork sends nothing", hint="drop one of them")
    if base_url is not None:
        check_base_url(base_url)
    model = changes.get("model")
    return ForkPlan(call, change, value, model if isinstance(model, str) else None, offline, base_url)


def _check_key(call: str) -> None:
    if ":" not in call or "#" not in call:
        raise ForkError(f"--fork {call}: name one call, component:name#N", hint="e.g. --fork llm:openai.chat#2")
    CallAddress.parse(call, ForkError)


def check_base_url(url: str) -> None:
    """`--base-url URL` (a fork's, `verify`'s): an http(s) URL of a server, with no query or fragment; ForkError
    (a usage error) else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ForkError(f"--base-url {url}: not an http(s) URL of a server",
                        hint="e.g. --base-url http://127.0.0.1:8000 or https://api.example.com/openai")


def rebased(url: str, base: str) -> str:
    """`url` sent to `base` instead of its own origin: `base`'s scheme and host, its path (if any) before the
    request's own. `rebased("https://api.openai.com/v1/chat/completions", "http://127.0.0.1:9000")` is
    `http://127.0.0.1:9000/v1/chat/completions`."""
    to, was = urlsplit(base), urlsplit(url)
    return urlunsplit((to.scheme, to.netloc, to.path.rstrip("/") + was.path, was.query, ""))
