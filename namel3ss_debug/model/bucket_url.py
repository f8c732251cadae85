"""Where finished runs are sent (`trace_upload_url`): `s3://BUCKET[/PREFIX]`, read without a network or a package.

Stdlib only: the settings check the value when they are read, and the tracer's app must not pay for fsspec at import.
A URL that carries credentials (`s3://KEY:SECRET@bucket`) is refused: credentials come from the store's usual places
(the environment, an AWS profile), never from a workspace file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UPLOAD_SCHEMES = ("s3",)  # the stores a run is sent to (any S3-compatible one, through AWS_ENDPOINT_URL_S3)
# S3's rule for a bucket's name: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
KEY_MAX = 1024  # S3's limit on an object's key, in UTF-8 bytes
NAME_ROOM = 64  # what a segment's file name needs after the prefix (`<run id>.0000.jsonl` and more)


@dataclass(frozen=True)
class BucketUrl:
    """`s3://runs/ci/nightly` -> scheme `s3`, bucket `runs`, prefix `ci/nightly` (no slash at either end)."""

    scheme: str
    bucket: str
    prefix: str

    def key(self, name: str) -> str:
        """The object key of the file `name` under the prefix."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def url(self, name: str = "") -> str:
        """`s3://runs/ci/NAME` (the prefix itself, with no name)."""
        where = self.key(name) if name else self.prefix
        return f"{self.scheme}://{self.bucket}/{where}" if where else f"{self.scheme}://{self.bucket}"


def looks_like_url(text: str) -> bool:
    """Whether `text` starts as a URL does (`s3://`, `gs://`, `https://`), not as a path."""
    return _SCHEME.match(text.strip()) is not None


def parse_bucket_url(text: str) -> BucketUrl:
    """`text` as a BucketUrl; ValueError saying what is wrong with it (one clause, for a config error)."""
    found = _SCHEME.match(text)
    if found is None:
        raise ValueError("not a URL: write s3://BUCKET or s3://BUCKET/PREFIX")
    scheme = found.group(1).lower()
    if scheme not in UPLOAD_SCHEMES:
        raise ValueError(f"runs are sent only to {', '.join(s + '://' for s in UPLOAD_SCHEMES)} stores, not {scheme}://")
    bucket, _, prefix = text[found.end():].partition("/")
    if "@" in bucket:
        raise ValueError("a URL with credentials in it is refused: give them in the environment or an AWS profile")
    if not _BUCKET.fullmatch(bucket):
        raise ValueError(f"{bucket!r} is not a bucket name (3 to 63 lowercase letters, digits, dots and hyphens)")
    return BucketUrl(scheme, bucket, _prefix(prefix))


def _prefix(text: str) -> str:
    if any(mark in text for mark in "?#") or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("a prefix with a query, a fragment or a control character is refused")
    parts = [part for part in text.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise ValueError("a prefix with . or .. in it is refused: name the folder plainly")
    prefix = "/".join(parts)
    if len(prefix.encode()) > KEY_MAX - NAME_ROOM:
        raise ValueError(f"the prefix is longer than {KEY_MAX - NAME_ROOM} bytes (S3's keys hold {KEY_MAX})")
    return prefix
