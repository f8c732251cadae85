"""What a store says, as one line: the one translator of its errors (`failure`), and the errors of a read of an
object that changed under it or could not be copied.

A name that names nothing (no bucket, no key) is a `UsageError` (exit 2), as a missing local file is; a store that
cannot be read (access denied, no credentials, unreachable) or an object that changed while it was read is a
`TraceError` (exit 3). Every store's exceptions are told apart by their class names (botocore's, aiohttp's), so that
none of their packages is imported to say them.
"""

from __future__ import annotations

from ..model.errors import Namel3ssDebugError, TraceError, UsageError
from .remote_kinds import denied, kind_of, no_credentials


def changed(url: str) -> TraceError:
    """The one error of an object rewritten while it was read."""
    return TraceError("the object changed while it was read (its version is not the one the read began with)",
                      where=url, hint="read it again once nothing writes it")


def failure(url: str, error: BaseException) -> Namel3ssDebugError:
    """What a store raised, as one line: a name that names nothing exit 2, a store that cannot be read exit 3."""
    if isinstance(error, Namel3ssDebugError):
        return error
    names = {kind.__name__ for kind in type(error).__mro__}
    said = " ".join(str(error).split()) or type(error).__name__  # a store's message may span lines: one here
    store = kind_of(_scheme(url))
    if "FileExpired" in names:
        return changed(url)
    if isinstance(error, FileNotFoundError):
        what = "no such bucket" if "bucket" in said.lower() else "no such object or folder"
        return UsageError(f"{what}: {url}", hint=f"check the bucket and key ({store.lists})")
    if no_credentials(error):
        return TraceError("no credentials for the store", where=url, hint=store.credentials)
    if denied(error):
        return TraceError(f"access denied: {_short(said)}", where=url,
                          hint="check the credentials in the environment or profile, and the bucket's policy")
    if names & {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionError",
                "ClientConnectorError", "ServerTimeoutError", "TimeoutError", "ServiceRequestError"} \
            or isinstance(error, TimeoutError):
        return TraceError(f"the store does not answer ({_short(said)})", where=url,
                          hint=f"check the endpoint ({store.endpoint}) and the network")
    return TraceError(f"cannot read it: {said}", where=url)


def _scheme(url: str) -> str:
    return url.partition("://")[0].lower() if "://" in url else ""


def _short(said: str) -> str:
    """A store's message cut to its first sentence's worth: Azure's says its request id and time after it."""
    head = said.split(" RequestId:", 1)[0]
    return head if len(head) <= 200 else head[:199] + "…"


def no_copy(url: str, error: OSError) -> TraceError:
    """The error of an object that could not be copied into a temporary file (`remote.spooled`)."""
    return TraceError(f"cannot copy it into a temporary file ({error.strerror or error})", where=url,
                      hint="make room in the temporary directory, or set TMPDIR to one with room")
