"""Where finished runs are sent (`trace_upload_url`): `s3://BUCKET[/PREFIX]`, `gs://BUCKET[/PREFIX]` (Google Cloud
Storage) or `az://CONTAINER[/PREFIX]` (Azure Blob Storage), read without a network or a package.

Stdlib only: the settings check the value when they are read, and the tracer's app must not pay for fsspec at import.
A URL that carries credentials (`s3://KEY:SECRET@bucket`) is refused: credentials come from the store's usual places
(the environment, an AWS profile, gcloud's, Azure's), never from a workspace file. Each store's rule for its
bucket's (container's) name is checked here, so that a name the store would refuse is a config error, not a run
kept back at every end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

UPLOAD_SCHEMES = ("s3", "gs", "az")  # the stores a run is sent to (S3 and any S3-compatible one, Google's, Azure's)
# Each store's rule for a bucket's name, a letter or digit at each end: S3's 3 to 63 lowercase letters, digits, dots
# and hyphens; Google's the same with underscores; Azure's container 3 to 63 lowercase letters, digits and single
# hyphens.
_BUCKETS = {
    "s3": (re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"), "3 to 63 lowercase letters, digits, dots and hyphens"),
    "gs": (re.compile(r"[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]"),
           "3 to 63 lowercase letters, digits, dots, hyphens and underscores"),
    "az": (re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]"),
           "3 to 63 lowercase letters, digits and single hyphens"),
}
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
KEY_MAX = 1024  # S3's and Google's limit on an object's key, in UTF-8 bytes (Azure's: 1024 characters)
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
        raise ValueError("not a URL: write s3://BUCKET, gs://BUCKET or az://CONTAINER, each with /PREFIX or not")
    scheme = found.group(1).lower()
    if scheme not in UPLOAD_SCHEMES:
        raise ValueError(f"runs are sent only to {', '.join(s + '://' for s in UPLOAD_SCHEMES)} stores, not {scheme}://")
    bucket, _, prefix = text[found.end():].partition("/")
    if "@" in bucket:
        raise ValueError("a URL with credentials in it is refused: give them in the environment or the store's profile")
    rule, said = _BUCKETS[scheme]
    if not rule.fullmatch(bucket):
        raise ValueError(f"{bucket!r} is not a bucket name for {scheme}:// ({said})")
    return BucketUrl(scheme, bucket, _prefix(prefix))


def _prefix(text: str) -> str:
    if any(mark in text for mark in "?#") or any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("a prefix with a query, a fragment or a control character is refused")
    parts = [part for part in text.split("/") if part]
    if any(part in (".", "..") for part in parts):
        raise ValueError("a prefix with . or .. in it is refused: name the folder plainly")
    prefix = "/".join(parts)
    if len(prefix.encode()) > KEY_MAX - NAME_ROOM:
        raise ValueError(f"the prefix is longer than {KEY_MAX - NAME_ROOM} bytes (a store's keys hold {KEY_MAX})")
    return prefix
