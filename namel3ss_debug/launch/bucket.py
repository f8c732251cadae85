"""The one place the upload knows fsspec: a bucket opened with our timeouts, an object put and confirmed, and what
a store's failure means, in one clause and a fix.

s3fs is driven through its asynchronous API on an event loop of the caller's own (`launch/uploading.py` runs one in
a thread of ours), never fsspec's shared loop: the app may use that loop itself, and the requests must be made in
a thread the tracer knows as doing its own work (`tracer/ours.py`), or an HTTP hook would record them.

Credentials are botocore's: the environment, an AWS profile, an instance role. Nothing here reads a file of ours
for them, and a URL holding them is refused before it gets here (`model/bucket_url.py`).

Each object is put whole, with its MD5 sent as `Content-MD5` (the store refuses a body that does not match it), then
looked at again (HEAD): it counts as sent only when its size is the file's and, where the store's ETag is an MD5
(a plain PUT to S3 without KMS), that ETag is the file's MD5.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
from types import TracebackType
from typing import Any, Optional

from ..model.bucket_url import BucketUrl
from ..model.messages import visible

CONNECT_TIMEOUT_S = 3.0  # to open a connection to the store
READ_TIMEOUT_S = 20.0  # for each answer of the store once a request is sent
ATTEMPTS = 2  # botocore's tries of a request (its standard retry mode), and s3fs's of a call
PUT_MAX_BYTES = 5 * 2**30  # S3's limit on one PUT: a bigger segment is not sent (max_trace_file_size_mb)
_MD5_ETAG = re.compile(r'"?([0-9a-f]{32})"?')
INSTALL_HINT = "pip install 'namel3ss-debug[s3]'"


class NotSent(Exception):
    """Why a run was not sent (`why`, a clause), what to do about it (`fix`), and whether the store is unusable for
    now (`stops`: no other run is tried) or only this run could not go."""

    def __init__(self, why: str, fix: str, *, stops: bool = True):
        super().__init__(why)
        self.why = why
        self.fix = fix
        self.stops = stops


def require_s3fs() -> None:
    """NotSent unless s3fs (the `s3` extra) can be imported."""
    try:
        import s3fs  # type: ignore[import-untyped]  # noqa: F401, PLC0415 - the optional extra, only to send
    except ImportError:
        raise NotSent("s3fs is not installed", INSTALL_HINT) from None


class BucketWriter:
    """The store of `url`, opened for puts: `async with BucketWriter(url) as bucket: await bucket.put(name, data)`."""

    def __init__(self, url: BucketUrl):
        self.url = url
        self._fs: Any = None
        self._session: Any = None

    async def __aenter__(self) -> BucketWriter:
        import s3fs  # noqa: PLC0415 - the optional extra

        config = {"connect_timeout": CONNECT_TIMEOUT_S, "read_timeout": READ_TIMEOUT_S,
                  "retries": {"max_attempts": ATTEMPTS, "mode": "standard"}}
        self._fs = s3fs.S3FileSystem(asynchronous=True, skip_instance_cache=True, config_kwargs=config)
        self._fs.retries = ATTEMPTS  # s3fs's own tries of a call, 5 by default, each after a longer pause
        self._session = await self._fs.set_session()
        return self

    async def __aexit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                        trace: Optional[TracebackType]) -> None:
        session, self._session = self._session, None
        if session is not None:
            try:
                await session.close()
            except Exception:  # a connection that was never made: nothing of ours to close
                pass

    async def put(self, name: str, data: bytes) -> None:
        """Put `data` at the prefix's `name` and confirm it is there whole; NotSent otherwise."""
        if len(data) >= PUT_MAX_BYTES:
            raise NotSent(f"{name} is {len(data) / 2**30:.1f} GiB, more than one PUT takes (5 GiB)",
                          "set max_trace_file_size_mb below 5120, so that runs are written in smaller segments",
                          stops=False)
        path = f"{self.url.bucket}/{self.url.key(name)}"
        digest = hashlib.md5(data, usedforsecurity=False).digest()
        try:
            await self._fs._pipe_file(path, data, chunksize=PUT_MAX_BYTES,
                                      ContentMD5=base64.b64encode(digest).decode())
            found = await self._fs._info(path, refresh=True)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            raise described(error, self.url) from None
        _confirm(found, len(data), digest.hex(), self.url.url(name))


def _confirm(found: dict[str, Any], size: int, md5: str, where: str) -> None:
    if found.get("size") != size:
        raise NotSent(f"{where} holds {found.get('size')} bytes after the put, not the file's {size}",
                      "check what else writes to that prefix", stops=False)
    etag = _MD5_ETAG.fullmatch(str(found.get("ETag") or found.get("etag") or ""))
    if etag is not None and etag.group(1) != md5:
        raise NotSent(f"{where} does not hold the bytes sent (its ETag is not their MD5)",
                      "check what else writes to that prefix", stops=False)


def described(error: BaseException, url: BucketUrl) -> NotSent:
    """A store's failure as one clause and its fix. s3fs turns S3's answers into OSErrors (AccessDenied a
    PermissionError, NoSuchBucket a FileNotFoundError); botocore's own are matched by name, so that this module
    needs botocore only when it is there."""
    names = {kind.__name__ for kind in type(error).__mro__}
    if names & {"NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError"}:
        return NotSent("no AWS credentials were found",
                       "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, in the app's environment")
    if isinstance(error, PermissionError) or names & {"InvalidAccessKeyId", "SignatureDoesNotMatch"}:
        return NotSent(f"access to {url.url()} was denied ({_said(error)})",
                       "use credentials allowed to put and read objects under that prefix")
    if isinstance(error, FileNotFoundError):
        return NotSent(f"there is no bucket {url.bucket!r} ({_said(error)})",
                       "create it, or correct trace_upload_url")
    if names & {"ConnectTimeoutError", "ReadTimeoutError", "TimeoutError"} or isinstance(error, asyncio.TimeoutError):
        return NotSent(f"the store did not answer in time ({_said(error)})",
                       "check that it is up and reachable from here, and AWS_ENDPOINT_URL_S3 for another store")
    if names & {"EndpointConnectionError", "ClientConnectorError", "ConnectionError", "ServerDisconnectedError"} \
            or isinstance(error, ConnectionError):
        return NotSent(f"the store could not be reached ({_said(error)})",
                       "check that it is up and reachable from here, and AWS_ENDPOINT_URL_S3 for another store")
    return NotSent(f"the store said {type(error).__name__}: {_said(error)}",
                   "check trace_upload_url, the credentials and the store")


def _said(error: BaseException, limit: int = 160) -> str:
    text = visible(" ".join(str(error).split())) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
