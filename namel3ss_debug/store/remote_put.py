"""Writing objects in a store (`s3://bucket/key`, and the others fsspec reaches), through the stores `remote.py`
makes (`remote.filesystem`: the same credentials, bounds and one translator of what a store says, `remote.failure`).

- An object is put whole (`put_confirmed`), its MD5 sent with it where the store checks one (S3's `Content-MD5`),
  then looked at again: its size, and its ETag where that is an MD5, must be the bytes sent. A finished run's
  segment (`launch/uploading.py`, for `trace_upload_url`) leaves the local disk only once that holds; a Parquet
  table's file (`ops/parquet_bucket.py`) is written so, one object a file.
- An object is removed (`remove`) only by a caller that found it by a name of its own shape: nothing here decides
  what may go.
"""

from __future__ import annotations

import base64
import hashlib
import re

from ..model.errors import TraceError
from .remote import PACKAGES, RemoteObject, failure, filesystem, object_of, scheme

PUT_MAX_BYTES = 5 * 2**30  # S3's limit on one PUT: a segment is put whole, never in parts
_MD5_ETAG = re.compile(r'"?([0-9a-f]{32})"?')


class NotStored(TraceError):
    """An object that, after its put, is not the bytes that were sent: this object's fault, not the store's."""


def put_confirmed(url: str, data: bytes, *, timeout: float | None) -> RemoteObject:
    """Put `data` at `url` whole, with its MD5 (`Content-MD5`: S3 refuses a body that does not match it), then
    look at the object again: `NotStored` unless its size is the data's and, where its ETag is an MD5 (a plain
    PUT without KMS), that MD5 is the data's. Each request within `timeout` seconds (None: within the store's own
    bounds, `remote.CONNECT_S`, `READ_S` and `ATTEMPTS`); the store's errors as `failure`. The object as that look
    found it (its version: what a run index keys it by)."""
    if len(data) >= PUT_MAX_BYTES:
        raise NotStored(f"{len(data) / 2**30:.1f} GiB is more than one PUT takes (5 GiB)", where=url,
                        hint="set max_trace_file_size_mb below 5120, so that runs are written in smaller segments")
    fs, path = filesystem(url)
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    sent = {"chunksize": PUT_MAX_BYTES, "ContentMD5": base64.b64encode(digest).decode()} \
        if PACKAGES.get(scheme(url)) == "s3fs" else {}
    try:
        fs.pipe_file(path, data, timeout=timeout, **sent)  # `timeout` is fsspec's, around each call
        found = fs.info(path, refresh=True, timeout=timeout)
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None
    if found.get("size") != len(data):
        raise NotStored(f"the object holds {found.get('size')} bytes after the put, not the {len(data)} sent",
                        where=url, hint="check what else writes under that prefix")
    etag = _MD5_ETAG.fullmatch(str(found.get("ETag") or ""))
    if etag is not None and etag.group(1) != digest.hex():
        raise NotStored("the object does not hold the bytes sent (its ETag is not their MD5)", where=url,
                        hint="check what else writes under that prefix")
    return object_of(url, found)


def remove(url: str) -> None:
    """Remove the object `url` (nothing when there is none); the store's errors as `failure`."""
    fs, path = filesystem(url)
    try:
        fs.rm_file(path)
    except FileNotFoundError:
        return
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None
