"""An object of a store as the store says it: its URL, its size, its version (what the result cache keys a remote
run by, and what a read must still find at its end) and when it was written.

Each store says an object's version under a key of its own (`_VERSION_KEYS`): S3 its `VersionId` where the bucket
keeps versions, else its ETag; GCS its generation; Azure its version id or ETag; else when it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# Where an object says which version it is, by store: S3 (VersionId with versioning on, else ETag), GCS
# (generation), Azure (version_id, etag), else when it was written; the first one an object has is its version.
_VERSION_KEYS = ("VersionId", "version_id", "generation", "ETag", "etag", "md5Hash", "LastModified", "mtime",
                 "created")


@dataclass(frozen=True)
class RemoteObject:
    """One object as this process found it: its URL, its size and its version (an ETag, a version id)."""

    url: str
    size: int
    version: str
    modified: str = ""  # when it was written, as the store says it (orders traces that are no segments)

    @property
    def name(self) -> str:
        """The last part of its key: `run.0000.jsonl`."""
        return self.url.rstrip("/").rpartition("/")[2]


def object_of(url: str, info: Mapping[str, Any]) -> RemoteObject:
    """The object at `url` as the store's `info` about it says: its size, version and time of writing."""
    modified = info.get("LastModified") or info.get("mtime") or info.get("last_modified") or ""
    return RemoteObject(url, int(info.get("size") or 0), version_of(info), str(modified))


def version_of(info: Mapping[str, Any]) -> str:
    """The version the store's `info` (a listing's entry, a look-up, an open file's details) says; "" for none."""
    for key in _VERSION_KEYS:
        value = info.get(key)
        if value not in (None, "", "null"):
            # a time is said as a datetime by one call and as seconds by another (fsspec's listing and look-up)
            return repr(float(value.timestamp())) if hasattr(value, "timestamp") else str(value)
    return ""
