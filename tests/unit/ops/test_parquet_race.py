"""Two exports at once into one Parquet dataset, the interleavings that lost rows made one at a time: a run id that
named another run's file, and a file another export put in a day this run has left (`ops/parquet_dataset.py`,
`ops/parquet_bucket.py`), in a folder and in a bucket (moto's S3 server on 127.0.0.1)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.s3server import S3Server

from namel3ss_debug.ops.parquet_dataset import ParquetDataset, file_name

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
NAME = file_name("20261122-100000-aaaaaa")


def rows(label: str) -> object:
    """A small table whose one row names who wrote it."""
    return pa.table({"writer": [label]})


def writer_of(data: bytes) -> str:
    return str(pq.read_table(io.BytesIO(data)).column("writer")[0])


def test_a_run_id_of_the_hashed_shape_never_takes_another_runs_name() -> None:
    odd = "runs/from a legacy trace"  # named by its hash: `run-HEX.parquet`
    hashed = file_name(odd)
    assert hashed.startswith("run-")
    assert file_name(hashed.removesuffix(".parquet")) != hashed
    assert file_name("20261122-100000-aaaaaa") == "20261122-100000-aaaaaa.parquet"  # the tracer's ids stay as they are


def test_a_file_another_export_renamed_in_since_the_run_was_seen_is_kept(tmp_path: Path) -> None:
    with ParquetDataset.open(str(tmp_path / "tables")) as earlier:
        earlier.put("spans", NAME, {"2026-11-22": rows("earlier"), "2026-11-23": rows("earlier")},
                    earlier.seen(NAME)["spans"])
    with ParquetDataset.open(str(tmp_path / "tables")) as ours, ParquetDataset.open(str(tmp_path / "tables")) as theirs:
        seen = ours.seen(NAME)
        theirs.put("spans", NAME, {"2026-11-22": rows("theirs"), "2026-11-23": rows("theirs")},
                   theirs.seen(NAME)["spans"])
        ours.put("spans", NAME, {"2026-11-22": rows("ours")}, seen["spans"])  # a copy of the run without that day
    days = tmp_path / "tables" / "spans"
    assert writer_of((days / "day=2026-11-23" / NAME).read_bytes()) == "theirs"
    assert writer_of((days / "day=2026-11-22" / NAME).read_bytes()) == "ours"


def test_the_file_seen_in_a_day_the_run_has_left_is_removed(tmp_path: Path) -> None:
    with ParquetDataset.open(str(tmp_path / "tables")) as earlier:
        earlier.put("spans", NAME, {"2026-11-22": rows("earlier"), "2026-11-23": rows("earlier")},
                    earlier.seen(NAME)["spans"])
    with ParquetDataset.open(str(tmp_path / "tables")) as again:
        again.put("spans", NAME, {"2026-11-22": rows("again")}, again.seen(NAME)["spans"])
    assert not (tmp_path / "tables" / "spans" / "day=2026-11-23" / NAME).exists()


@pytest.fixture(scope="module")
def server() -> Iterator[S3Server]:
    with S3Server() as started:
        started.make_bucket("tables")
        yield started


@pytest.fixture
def bucket(server: S3Server, monkeypatch: pytest.MonkeyPatch) -> object:
    """The server's bucket, reached as a user's store is: botocore reads the endpoint and keys from the environment."""
    fsspec = pytest.importorskip("fsspec")
    pytest.importorskip("s3fs")
    for name, value in server.environ().items():
        monkeypatch.setenv(name, value)
    return fsspec.filesystem("s3", skip_instance_cache=True, use_listings_cache=False)


def test_an_object_another_export_put_since_the_listing_is_kept(bucket, request) -> None:
    from namel3ss_debug.ops.parquet_bucket import BucketDataset  # noqa: PLC0415 - only with the bucket's packages

    url = f"s3://tables/{request.node.name}"
    with BucketDataset.open(url) as earlier:
        earlier.put("spans", NAME, {"2026-11-22": rows("earlier"), "2026-11-23": rows("earlier")},
                    earlier.seen(NAME)["spans"])
    ours, theirs = BucketDataset.open(url), BucketDataset.open(url)  # both listed the earlier export's objects
    theirs.put("spans", NAME, {"2026-11-22": rows("theirs"), "2026-11-23": rows("theirs")},
               theirs.seen(NAME)["spans"])
    ours.put("spans", NAME, {"2026-11-22": rows("ours")}, ours.seen(NAME)["spans"])
    key = f"tables/{request.node.name}/spans/day=2026-11-23/{NAME}"
    assert writer_of(bucket.cat_file(key)) == "theirs"


def test_the_object_listed_in_a_day_the_run_has_left_is_removed(bucket, request) -> None:
    from namel3ss_debug.ops.parquet_bucket import BucketDataset  # noqa: PLC0415 - only with the bucket's packages

    url = f"s3://tables/{request.node.name}"
    with BucketDataset.open(url) as earlier:
        earlier.put("spans", NAME, {"2026-11-22": rows("earlier"), "2026-11-23": rows("earlier")},
                    earlier.seen(NAME)["spans"])
    with BucketDataset.open(url) as again:
        again.put("spans", NAME, {"2026-11-22": rows("again")}, again.seen(NAME)["spans"])
    assert not bucket.exists(f"tables/{request.node.name}/spans/day=2026-11-23/{NAME}")
