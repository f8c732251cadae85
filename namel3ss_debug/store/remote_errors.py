"""What a store says, as one line: the one translator of its errors (`failure`), and the errors of a read of an
object that changed under it or could not be copied.

A name that names nothing (no bucket, no key) is a `UsageError` (exit 2), as a missing local file is; a store that
cannot be read (access denied, no credentials, unreachable) or an object that changed while it was read is a
`TraceError` (exit 3). Every store's exceptions are told apart by their class names (botocore's, aiohttp's), so that
none of their packages is imported to say them.
"""

from __future__ import annotations

from ..model.errors import Namel3ssDebugError, TraceError, UsageError


def changed(url: str) -> TraceError:
    """The one error of an object rewritten while it was read."""
    return TraceError("the object changed while it was read (its version is not the one the read began with)",
                      where=url, hint="read it again once nothing writes it")


def failure(url: str, error: BaseException) -> Namel3ssDebugError:
    """What a store raised, as one line: a name that names nothing exit 2, a store that cannot be read exit 3."""
    if isinstance(error, Namel3ssDebugError):
        return error
    names = {kind.__name__ for kind in type(error).__mro__}
    said = str(error).strip() or type(error).__name__
    if "FileExpired" in names:
        return changed(url)
    if isinstance(error, FileNotFoundError):
        what = "no such bucket" if "bucket" in said.lower() else "no such object or folder"
        return UsageError(f"{what}: {url}", hint="check the bucket and key (`aws s3 ls` lists them)")
    if isinstance(error, PermissionError) or "AccessDenied" in said or "Forbidden" in said:
        return TraceError(f"access denied: {said}", where=url,
                          hint="check the credentials in the environment or profile, and the bucket's policy")
    if "NoCredentialsError" in names or "PartialCredentialsError" in names:
        return TraceError("no credentials for the store", where=url,
                          hint="set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as the AWS CLI reads")
    if names & {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError", "ConnectionError",
                "ClientConnectorError", "ServerTimeoutError", "TimeoutError"} or isinstance(error, TimeoutError):
        return TraceError(f"the store does not answer ({said})", where=url,
                          hint="check the endpoint (AWS_ENDPOINT_URL_S3) and the network")
    return TraceError(f"cannot read it: {said}", where=url)


def no_copy(url: str, error: OSError) -> TraceError:
    """The error of an object that could not be copied into a temporary file (`remote.spooled`)."""
    return TraceError(f"cannot copy it into a temporary file ({error.strerror or error})", where=url,
                      hint="make room in the temporary directory, or set TMPDIR to one with room")
