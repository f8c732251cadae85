"""Writing objects in a store (`s3://bucket/key`, and the others fsspec reaches), through the stores the reading
side makes (`remote_stores.filesystem`: the same credentials and bounds; and the one translator of what a store
says, `remote_errors.failure`).

- An object is put whole, its MD5 sent with it where the store checks one (S3's `Content-MD5`). `put_confirmed`
  then looks at the object again: its size, and its MD5 where the store says one (S3's ETag of a plain PUT,
  Google's `md5Hash`, Azure's `content_md5`), must be the bytes sent. A finished
  run's segment (`launch/uploading.py`, for `trace_upload_url`) leaves the local disk only once that holds.
  `put_answered` takes the store's answer to the PUT itself instead (S3's ETag of what that request made): a
  Parquet table's file (`ops/parquet_bucket.py`), which another export may put again at the same key between a
  PUT and a look, and a look would call that fault.
- An object is removed (`remove`) only by a caller that found it by a name of its own shape: nothing here decides
  what may go. Given the ETag that caller found it with (`etags_under`), an S3 store removes it only while it is
  still that object (`If-Match`): one another writer put there since is kept.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from ..model.errors import TraceError
from .remote_errors import failure
from .remote_objects import RemoteObject, object_of
from .remote_stores import PACKAGES, filesystem, scheme

PUT_MAX_BYTES = 5 * 2**30  # S3's limit on one PUT: a segment is put whole, never in parts
_MD5_ETAG = re.compile(r'"?([0-9a-f]{32})"?')
_FIX = "check what else writes under that prefix"


class NotStored(TraceError):
    """An object that, after its put, is not the bytes that were sent: this object's fault, not the store's."""


def put_confirmed(url: str, data: bytes, *, timeout: float | None) -> RemoteObject:
    """Put `data` at `url` whole, with its MD5 (`Content-MD5`: S3 refuses a body that does not match it), then
    look at the object again: `NotStored` unless its size is the data's and, where its ETag is an MD5 (a plain
    PUT without KMS), that MD5 is the data's. Each request within `timeout` seconds (None: within the store's own
    bounds, `remote_stores.CONNECT_S`, `READ_S` and `ATTEMPTS`); the store's errors as `failure`. The object as
    that look found it (its version: what a run index keys it by)."""
    fs, path = filesystem(url)
    digest, _ = _put(fs, path, url, data, timeout)
    return object_of(url, _looked_at(fs, path, url, data, digest, timeout))


def put_answered(url: str, data: bytes) -> str:
    """Put `data` at `url` whole, with its MD5, confirmed by the store's answer to that PUT where it names the
    object made (S3's ETag), else by a look as `put_confirmed` takes; the object's ETag ("" where none is said).
    A look after the answer would find whatever was put at the key last, and another writer may have put it
    again since (two exports of one run at once)."""
    fs, path = filesystem(url)
    digest, answer = _put(fs, path, url, data, None)
    if not (isinstance(answer, Mapping) and answer.get("ETag")):
        found = _looked_at(fs, path, url, data, digest, None)  # a store whose PUT names nothing: looked at
        return str(found.get("ETag") or "")
    _check_etag(url, answer, digest, "the store made an object of other bytes (its ETag is not their MD5)")
    return str(answer["ETag"])


def _put(fs: Any, path: str, url: str, data: bytes, timeout: float | None) -> tuple[bytes, Any]:
    """`data` put whole at `path`, with its MD5 where the store checks one: that MD5, and the store's answer."""
    if len(data) >= PUT_MAX_BYTES:
        raise NotStored(f"{len(data) / 2**30:.1f} GiB is more than one PUT takes (5 GiB)", where=url,
                        hint="set max_trace_file_size_mb below 5120, so that runs are written in smaller segments")
    digest = hashlib.md5(data, usedforsecurity=False).digest()
    sent = {"chunksize": PUT_MAX_BYTES, "ContentMD5": base64.b64encode(digest).decode()} \
        if PACKAGES.get(scheme(url)) == "s3fs" else {}
    try:
        return digest, fs.pipe_file(path, data, timeout=timeout, **sent)  # `timeout` is fsspec's, around each call
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None


def _looked_at(fs: Any, path: str, url: str, data: bytes, digest: bytes,
               timeout: float | None) -> Mapping[str, Any]:
    """The object at `path` as a look finds it now; `NotStored` unless it is `data` (its size, its MD5 ETag)."""
    try:
        found: Mapping[str, Any] = fs.info(path, refresh=True, timeout=timeout)
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None
    if found.get("size") != len(data):
        raise NotStored(f"the object holds {found.get('size')} bytes after the put, not the {len(data)} sent",
                        where=url, hint=_FIX)
    _check_etag(url, found, digest, "the object does not hold the bytes sent (its ETag is not their MD5)")
    said = said_md5(found)
    if said is not None and said != digest:
        raise NotStored("the object does not hold the bytes sent (the MD5 the store says is not theirs)", where=url,
                        hint=_FIX)
    return found


def said_md5(found: Mapping[str, Any]) -> bytes | None:
    """The MD5 a store says an object's bytes have apart from an ETag: Google's `md5Hash` (base64), Azure's
    `content_settings.content_md5` (the digest's bytes); None where it says none (a composed object)."""
    google = found.get("md5Hash")
    if isinstance(google, str) and google:
        try:
            return base64.b64decode(google, validate=True)
        except ValueError:
            return None
    settings = found.get("content_settings")  # Azure's ContentSettings: a dict by its methods, not a Mapping
    azure = getattr(settings, "content_md5", None) or (settings.get("content_md5") if isinstance(settings, dict)
                                                         else None)
    return bytes(azure) if isinstance(azure, (bytes, bytearray)) and azure else None


def _check_etag(url: str, said: Mapping[str, Any], digest: bytes, why: str) -> None:
    """`NotStored` where the ETag `said` is an MD5 (a plain PUT without KMS) and not `digest`."""
    etag = _MD5_ETAG.fullmatch(str(said.get("ETag") or ""))
    if etag is not None and etag.group(1) != digest.hex():
        raise NotStored(why, where=url, hint=_FIX)


def etags_under(url: str) -> dict[str, str]:
    """Each object under the folder `url`, at any depth, as its path below it -> its ETag ("" where the store
    names none): what a writer saw there, for `remove`'s condition. One listing, paged (S3: a request a thousand
    keys); none when nothing is under it."""
    fs, path = filesystem(url)
    base = path.rstrip("/") + "/"
    try:
        found = fs.find(base, detail=True)
    except FileNotFoundError as error:
        if "bucket" in str(error).lower():
            raise failure(url, error) from None
        return {}  # a prefix nothing is under
    except Exception as error:  # every store's errors, said in one line by `failure`
        raise failure(url, error) from None
    return {name[len(base):]: str(info.get("ETag") or "") for name, info in found.items()
            if str(name).startswith(base)}


def remove(url: str, etag: str = "") -> bool:
    """Remove the object `url`; with `etag`, on S3, only while it is still that object (`If-Match`). Whether it
    went: nothing there, or another object put there since `etag` was seen, is False. The store's errors as
    `failure`."""
    fs, path = filesystem(url)
    try:
        if etag and PACKAGES.get(scheme(url)) == "s3fs":
            bucket, key, _ = fs.split_path(path)
            fs.call_s3("delete_object", Bucket=bucket, Key=key, IfMatch=etag)
        else:
            fs.rm_file(path)
    except FileNotFoundError:
        return False
    except Exception as error:  # every store's errors, said in one line by `failure`
        if _precondition_failed(error):
            return False
        raise failure(url, error) from None
    return True


def _precondition_failed(error: BaseException) -> bool:
    """Whether the store refused a conditional request because its condition did not hold (HTTP 412), as s3fs
    raises it: an OSError whose cause is botocore's `PreconditionFailed`."""
    for said in (error, error.__cause__):
        response = getattr(said, "response", None)
        if isinstance(response, Mapping) and response.get("Error", {}).get("Code") == "PreconditionFailed":
            return True
    return False
