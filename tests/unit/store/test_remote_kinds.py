"""`store/remote_kinds.py` and the put's check against Google's and Azure's emulators on 127.0.0.1: each store's
object says the MD5 of its bytes where `remote_put.said_md5` reads it, so a put is checked byte for byte there as
on S3; and each store's errors are told apart (no credentials, denied) by the classes its own client raises."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
from support.storeservers import SERVERS, store_with_bucket

from namel3ss_debug.store import remote_kinds
from namel3ss_debug.store.remote_put import said_md5



@pytest.fixture(scope="module", params=sorted(SERVERS))
def store(request: pytest.FixtureRequest) -> Iterator[tuple[str, Any]]:
    """(scheme, server): the emulator started, its bucket `runs` made."""
    with store_with_bucket(request.param) as started:
        yield request.param, started


def test_each_store_says_the_md5_of_what_was_put(store) -> None:
    fs = store[1].filesystem()
    data = b'{"v": 1, "event_type": "log"}\n' * 1000
    fs.pipe_file("runs/md5/one.jsonl", data)
    assert said_md5(fs.info("runs/md5/one.jsonl")) == hashlib.md5(data).digest()


def test_a_store_that_says_no_md5_is_checked_by_its_size_alone() -> None:
    assert said_md5({"size": 3, "ETag": '"abc"'}) is None
    assert said_md5({"md5Hash": "not base64!"}) is None


def test_azure_made_without_credentials_is_told_as_no_credentials(monkeypatch) -> None:
    adlfs = pytest.importorskip("adlfs")
    for name in ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT_NAME", "AZURE_STORAGE_ACCOUNT_KEY",
                 "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(Exception) as raised:  # whatever adlfs raises is the case under test
        adlfs.AzureBlobFileSystem(skip_instance_cache=True)
    assert remote_kinds.no_credentials(raised.value) and not remote_kinds.denied(raised.value)


def test_each_store_s_lines_name_its_own_places() -> None:
    assert "GOOGLE_APPLICATION_CREDENTIALS" in remote_kinds.kind_of("gs").credentials
    assert "AZURE_STORAGE_CONNECTION_STRING" in remote_kinds.kind_of("az").credentials
    assert "AWS_ACCESS_KEY_ID" in remote_kinds.kind_of("s3").credentials
    assert remote_kinds.kind_of("gs").endpoint == "STORAGE_EMULATOR_HOST"
