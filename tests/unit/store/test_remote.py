"""`store/remote.py` (and `remote_read.py`, `remote_stores.py` below it) against moto's S3 server on 127.0.0.1: URLs
recognised, a folder listed, an object read front to back at the version it was pinned at, a copy that leaves no
file, and each way a store fails as one error."""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from collections.abc import Iterator

import pytest
from support.s3server import S3Server

from namel3ss_debug.model.errors import EXIT_INVALID_TRACE, EXIT_USAGE, Namel3ssDebugError
from namel3ss_debug.store import remote, remote_read, remote_stores
from namel3ss_debug.store.sources import resolve_sources

fsspec = pytest.importorskip("fsspec")
pytest.importorskip("s3fs")
LINE = b'{"v": 1, "run_id": "R", "seq": 0, "event_type": "log", "text": "' + b"x" * 200 + b'"}\n'


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with S3Server() as started:
        started.make_bucket("runs")
        yield started


@pytest.fixture
def bucket(server: S3Server, monkeypatch: pytest.MonkeyPatch) -> object:
    """The server's bucket, reached as a user's store is: botocore reads the endpoint and keys from the environment."""
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    return fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False)


def test_a_url_is_told_from_a_path() -> None:
    assert remote.is_url("s3://runs/a.jsonl") and remote.is_url("gs://b/") and remote.is_url("az://c/k")
    assert not remote.is_url("runs/a.jsonl") and not remote.is_url("file:///tmp/a.jsonl") and not remote.is_url("-")


def test_a_folder_lists_its_objects_with_their_size_and_version(bucket) -> None:
    bucket.pipe("runs/listed/a.0000.jsonl", LINE)
    bucket.pipe("runs/listed/deeper/b.jsonl", LINE)
    found = remote.listing("s3://runs/listed/")
    assert [(item.url, item.size) for item in found] == [("s3://runs/listed/a.0000.jsonl", len(LINE))]
    assert found[0].version == bucket.info("runs/listed/a.0000.jsonl")["ETag"]


def test_an_object_is_read_front_to_back(bucket, monkeypatch) -> None:
    monkeypatch.setattr(remote_read, "READ_BLOCK", 64 << 10)  # many blocks, each fetched ahead of the reader
    data = LINE * 5000
    bucket.pipe("runs/whole.jsonl", data)
    remote.pin(remote.stat("s3://runs/whole.jsonl"))
    with remote.open_object("s3://runs/whole.jsonl") as stream:
        assert stream.read() == data


def test_a_look_at_the_first_line_is_one_small_read_and_no_thread(bucket) -> None:
    bucket.pipe("runs/looked.jsonl", LINE * 20000)  # 5 MB: a thread would fetch the rest ahead
    remote.pin(remote.stat("s3://runs/looked.jsonl"))
    with remote.open_object("s3://runs/looked.jsonl") as stream:
        assert stream.readline() == LINE
        assert stream.raw.tell() == remote_read.FIRST_BLOCK
        assert not any(thread.name == "namel3ss-debug-read-ahead" for thread in threading.enumerate())


def test_an_object_rewritten_while_it_is_read_is_one_error(bucket, monkeypatch) -> None:
    # At most 1 + AHEAD + 1 blocks are fetched before the reader takes its second: 40 blocks leave ranges to ask.
    monkeypatch.setattr(remote_read, "READ_BLOCK", 64 << 10)
    data = LINE * (40 * remote_read.READ_BLOCK // len(LINE))
    bucket.pipe("runs/changing.jsonl", data)
    remote.pin(remote.stat("s3://runs/changing.jsonl"))
    with remote.open_object("s3://runs/changing.jsonl") as stream:
        assert stream.read(1000) == data[:1000]
        bucket.pipe("runs/changing.jsonl", data.replace(b"x", b"y"))
        with pytest.raises(Namel3ssDebugError) as raised:
            stream.read()
    assert raised.value.exit_code == EXIT_INVALID_TRACE
    assert "changed while it was read" in str(raised.value)


def test_an_object_rewritten_after_its_listing_is_not_read_as_the_listed_one(bucket) -> None:
    bucket.pipe("runs/relisted.jsonl", LINE)
    remote.pin(remote.stat("s3://runs/relisted.jsonl"))
    bucket.pipe("runs/relisted.jsonl", LINE * 2)
    with pytest.raises(Namel3ssDebugError, match="changed while it was read"):
        with remote.open_object("s3://runs/relisted.jsonl") as stream:
            stream.read()


def test_a_copy_holds_the_object_and_has_no_name(bucket) -> None:
    bucket.pipe("runs/copied.jsonl", LINE * 10)
    remote.pin(remote.stat("s3://runs/copied.jsonl"))
    copy = remote.spooled("s3://runs/copied.jsonl")
    with copy:
        assert os.pread(copy.fileno(), len(LINE), len(LINE)) == LINE
        assert os.fstat(copy.fileno()).st_nlink == 0  # unlinked: nothing is left behind, whatever ends the process
        assert os.stat(copy.fileno()).st_mode & 0o077 == 0


@pytest.mark.parametrize(("url", "said", "code"), [
    ("s3://runs/no-such-key.jsonl", "no such object or folder: s3://runs/no-such-key.jsonl", EXIT_USAGE),
    ("s3://no-such-bucket/a.jsonl", "no such bucket: s3://no-such-bucket/a.jsonl", EXIT_USAGE),
    ("s3://runs/empty-folder/", "no traces in s3://runs/empty-folder/", EXIT_USAGE),
])
def test_a_name_that_names_nothing_is_a_usage_error(bucket, url: str, said: str, code: int) -> None:
    with pytest.raises(Namel3ssDebugError) as raised:
        resolve_sources([url])
    assert said in str(raised.value) and raised.value.exit_code == code


def test_a_store_without_its_package_names_the_package() -> None:
    if _installed("gcsfs"):
        pytest.skip("gcsfs is installed here")
    with pytest.raises(Namel3ssDebugError) as raised:
        resolve_sources(["gs://bucket/run.jsonl"])
    assert raised.value.exit_code == EXIT_USAGE
    assert "needs the gcsfs package" in str(raised.value) and "pip install gcsfs" in str(raised.value)


def test_a_scheme_no_store_has_is_a_usage_error() -> None:
    with pytest.raises(Namel3ssDebugError) as raised:
        resolve_sources(["nosuchstore://bucket/run.jsonl"])
    assert raised.value.exit_code == EXIT_USAGE and "not a store fsspec knows" in str(raised.value)


def test_a_stopped_server_is_one_error_in_bounded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    with S3Server() as stopping:
        stopping.make_bucket("gone")
        for name, value in stopping.environ().items():
            monkeypatch.setenv(name, value)
    started = time.monotonic()
    with pytest.raises(Namel3ssDebugError) as raised:
        resolve_sources(["s3://gone/run.jsonl"])
    assert raised.value.exit_code == EXIT_INVALID_TRACE and "does not answer" in str(raised.value)
    bound = 4 * remote_stores.CONNECT_S * remote_stores.ATTEMPTS
    assert time.monotonic() - started < bound  # refused at once: retries only


def test_release_ends_the_threads_a_read_started(bucket) -> None:
    bucket.pipe("runs/threads.jsonl", LINE)
    remote.pin(remote.stat("s3://runs/threads.jsonl"))
    with remote.open_object("s3://runs/threads.jsonl") as stream:
        stream.read()
    assert any(thread.name == "fsspecIO" for thread in threading.enumerate())
    remote.release()
    assert not any(thread.name == "fsspecIO" for thread in threading.enumerate())
    remote.pin(remote.stat("s3://runs/threads.jsonl"))  # and a later read makes them again
    with remote.open_object("s3://runs/threads.jsonl") as stream:
        assert stream.read() == LINE


def _installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def test_a_store_without_conditional_reads_is_checked_at_the_end() -> None:
    # fsspec's in-memory store stands for any store s3fs is not (gs://, az://): no If-Match, so the version is
    # looked up again at the end of the read.
    memory = fsspec.filesystem("memory")
    memory.pipe("/checked/run.jsonl", LINE * 100)
    (source,) = resolve_sources(["memory://checked/"])
    with remote.open_object(source.files[0]) as stream:
        assert stream.read() == LINE * 100
    with remote.open_object(source.files[0]) as stream:
        stream.read(10)
        time.sleep(0.01)  # another `created` time
        memory.pipe("/checked/run.jsonl", LINE * 100)
        with pytest.raises(Namel3ssDebugError, match="changed while it was read"):
            stream.read()
