"""What an OTLP/HTTP receiver answered each try of the SDK's exporter, kept so that an export can say what
happened, and never call a batch sent that the receiver did not take.

The SDK's HTTP exporter takes any status below 400 for success (a redirect too, which it does not follow),
and tells why a try failed only in its log lines. Its `session` argument (public) is ours here: a requests
Session that keeps each try's status, `Location` and `Retry-After`, or its error.

Success is a 2xx: the OTLP specification has a receiver that took the spans answer `200 OK` and leaves any
other response to HTTP's rules. A redirect is not followed: the headers sent with the spans (API keys)
would go on to wherever it points, a 301 or 302 turns the POST into a GET that carries no spans, and a
receiver's URL that moved is better fixed once in `--endpoint` than rediscovered on every batch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

from .sdk import OtlpTarget, make_exporter

TIMEOUT_HINT = "check that the receiver at that address is up, or give a longer --timeout"


@dataclass(frozen=True)
class ExportAnswer:
    """One try: the receiver's status (None: no answer, `error` says why), reason phrase and the headers
    that matter here."""

    status: int | None
    reason: str = ""
    location: str | None = None
    retry_after: str | None = None
    error: BaseException | None = None


@dataclass(frozen=True)
class Refusal:
    """Why a batch was not taken, in words (`reason`), and how to fix it (`hint`)."""

    reason: str
    hint: str


class ExportAnswerLog:
    """The answers of one exporter's tries, in order; `mark()` then `since(mark)` are one batch's."""

    def __init__(self) -> None:
        self._answers: list[ExportAnswer] = []
        self._lock = threading.Lock()

    def keep(self, answer: ExportAnswer) -> None:
        with self._lock:
            self._answers.append(answer)

    def mark(self) -> int:
        with self._lock:
            return len(self._answers)

    def since(self, mark: int) -> list[ExportAnswer]:
        with self._lock:
            return self._answers[mark:]


def watched_exporter(target: OtlpTarget) -> tuple[Any, ExportAnswerLog | None]:
    """The SDK's exporter for the target and, for OTLP/HTTP, the log of its answers (gRPC's status codes
    reach the SDK's own log lines, `otlp_sdk.reason_of`)."""
    if target.protocol == "grpc":
        return make_exporter(target), None
    answers = ExportAnswerLog()
    return make_exporter(target, session=_session(answers)), answers


def _session(answers: ExportAnswerLog) -> Any:
    """A requests Session that keeps each request's answer (or error) in `answers`."""
    import requests  # noqa: PLC0415 - the HTTP exporter's own dependency, loaded with it

    class KeepingSession(requests.Session):  # type: ignore[misc]  # requests' class: Any to mypy (pyproject)
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            try:
                response = super().request(method, url, *args, **kwargs)
            except Exception as error:
                answers.keep(ExportAnswer(None, error=error))
                raise
            answers.keep(ExportAnswer(response.status_code, response.reason or "", response.headers.get("Location"),
                                      response.headers.get("Retry-After")))
            return response

    return KeepingSession()


def refusal(answers: Sequence[ExportAnswer], endpoint: str, timeout: float) -> Refusal | None:
    """Why the batch whose tries got `answers` was not taken; None when the last try was answered with a
    2xx, or there was no try (the SDK's own log lines tell why then)."""
    if not answers:
        return None
    last = answers[-1]
    tries = f" ({len(answers)} tries)" if len(answers) > 1 else ""
    if last.status is None:
        return Refusal(_failed(last.error, timeout) + tries, TIMEOUT_HINT if _timed_out(last.error) else
                       "check that an OTLP receiver listens there, or give another --endpoint")
    if 200 <= last.status < 300:
        return None
    said = f"the receiver answered {last.status} {last.reason}".rstrip()
    if 300 <= last.status < 400:
        return _redirect(said, last.location, endpoint)
    wait = _seconds(last.retry_after)
    if wait is not None and wait > timeout:
        return Refusal(f"{said} and asked to be retried in {wait:g} s, past the {timeout:g} s timeout{tries}",
                       "try again later, or give a --timeout longer than the wait it asks for")
    return Refusal(said + tries, "check the receiver's address and path, and its log")


def _redirect(said: str, location: str | None, endpoint: str) -> Refusal:
    if not location:
        return Refusal(f"{said} with no Location", "check the receiver's address and path")
    target = urljoin(endpoint, location)
    if target == endpoint:
        return Refusal(f"{said} to itself", "check the receiver's address and path: it redirects in a loop")
    return Refusal(f"{said} to {target}", f"give --endpoint {target}; an export does not follow a redirect, "
                                          f"which would hand its headers on")


def _seconds(retry_after: str | None) -> float | None:
    """`Retry-After` in seconds when it is a number (an HTTP date: None, as the SDK reads it for itself)."""
    try:
        return float(retry_after) if retry_after is not None else None
    except ValueError:
        return None


def _failed(error: BaseException | None, timeout: float) -> str:
    """A try that got no answer, in words: a timeout (which part), or the system's reason (connection
    refused, ...), not the nest of requests' and urllib3's wrappers."""
    import requests  # noqa: PLC0415 - the HTTP exporter's own dependency, loaded with it

    if isinstance(error, requests.ConnectTimeout):
        return f"no connection within {timeout:g} s"
    if isinstance(error, requests.ReadTimeout):
        return no_answer(timeout)
    if _timed_out(error):  # a timeout while the request was being sent
        return f"the receiver did not read the request within {timeout:g} s"
    for cause in _chain(error):
        if isinstance(cause, OSError) and cause.strerror:
            return cause.strerror[:1].lower() + cause.strerror[1:]
    return str(error) if error is not None else "no answer"


def no_answer(timeout: float) -> str:
    """The words for a request whose answer did not come (whole) within the timeout."""
    return f"no answer within {timeout:g} s"


def _timed_out(error: BaseException | None) -> bool:
    return any(isinstance(cause, TimeoutError) for cause in _chain(error))


def _chain(error: BaseException | None) -> Iterator[BaseException]:
    """The error and what it wraps: causes, contexts, urllib3's `reason`, exceptions given as arguments."""
    seen: set[int] = set()
    todo = [error] if error is not None else []
    while todo:
        cause = todo.pop()
        if id(cause) in seen:
            continue
        seen.add(id(cause))
        yield cause
        wrapped = [cause.__cause__, cause.__context__, getattr(cause, "reason", None), *cause.args]
        todo.extend(item for item in wrapped if isinstance(item, BaseException))
