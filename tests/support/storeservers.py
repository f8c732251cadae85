"""Google's and Azure's object stores on 127.0.0.1 for the bucket tests of `gs://` and `az://`, each the real
emulator from a package registry in a process of its own, stopped and started again at will as `S3Server` is:

- `GcsServer`: `gcp-storage-emulator` (PyPI, in the dev extra): the JSON API gcsfs speaks, with objects'
  generations and ranged reads; it checks no credentials (gcsfs reaches it anonymously through
  STORAGE_EMULATOR_HOST, as it reaches any emulator);
- `AzureServer`: Azurite's blob service (npm: `.ci/run` installs it under `~/.cache/namel3ss-debug/azurite`, or
  `azurite-blob` on PATH), which checks each request's shared key: `environ(key=...)` with another key is a store
  that refuses it.

    with GcsServer() as server:
        server.make_bucket("runs")
        environ = {**os.environ, **server.environ()}  # what a traced app or a command needs to reach it

Both are `S3Server`s in all but their command, their environment and how a bucket is made: the same port across
`stop` and `start`, their state in memory (a server started again has no buckets). Without the emulator the tests
are skipped, unless `NAMEL3SS_TEST_SERVERS=required` (CI), where that is a failure (`s3server.missing`).
"""

from __future__ import annotations

import json
import shutil
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import pytest
from support.s3server import S3Server

AZURITE = Path.home() / ".cache" / "namel3ss-debug" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's one account and its key: published by Microsoft for the emulator, a secret of no store
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class GcsServer(S3Server):
    """`gcp-storage-emulator` on 127.0.0.1, its objects in memory."""

    what = "gcp-storage-emulator"
    install = "pip install gcp-storage-emulator"

    def command(self) -> Optional[list[str]]:
        beside = Path(sys.executable).with_name("gcp-storage-emulator")
        found = str(beside) if beside.is_file() else shutil.which("gcp-storage-emulator")
        return [found, "start", "--host", "127.0.0.1", "--port", str(self.port), "--in-memory", "-q"] \
            if found else None

    def environ(self) -> dict[str, str]:
        """What points gcsfs at this emulator, as a user points it at theirs."""
        return {"STORAGE_EMULATOR_HOST": self.url}

    def filesystem(self) -> Any:
        """A gcsfs store of this emulator's, for a test to put and rewrite objects with (`bucket/key` paths)."""
        from gcsfs.core import GCSFileSystem  # noqa: PLC0415 - only a test of gs:// loads it

        return GCSFileSystem(endpoint_url=self.url, token="anon", skip_instance_cache=True, use_listings_cache=False)

    def make_bucket(self, name: str) -> None:
        request = urllib.request.Request(f"{self.url}/storage/v1/b?project=test", method="POST",
                                         data=json.dumps({"name": name}).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10):
            pass


class AzureServer(S3Server):
    """Azurite's blob service on 127.0.0.1, its blobs in memory."""

    what = "Azurite"
    install = "npm install azurite, as .ci/run does"

    def command(self) -> Optional[list[str]]:
        found = str(AZURITE) if AZURITE.is_file() else shutil.which("azurite-blob")
        return [found, "--blobHost", "127.0.0.1", "--blobPort", str(self.port), "--inMemoryPersistence",
                "--silent", "--disableTelemetry", "--skipApiVersionCheck"] if found else None

    def environ(self, key: str = ACCOUNT_KEY) -> dict[str, str]:
        """What points adlfs at this server with the account's key (another `key`: one the server refuses)."""
        return {"AZURE_STORAGE_CONNECTION_STRING": f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT};"
                                                   f"AccountKey={key};BlobEndpoint={self.url}/{ACCOUNT};"}

    def filesystem(self) -> Any:
        """An adlfs store of this server's, for a test to put and rewrite blobs with (`container/name` paths)."""
        from adlfs import AzureBlobFileSystem  # noqa: PLC0415 - only a test of az:// loads it

        return AzureBlobFileSystem(connection_string=self.environ()["AZURE_STORAGE_CONNECTION_STRING"],
                                   skip_instance_cache=True, use_listings_cache=False)

    def make_bucket(self, name: str) -> None:
        from azure.storage.blob import BlobServiceClient  # noqa: PLC0415 - adlfs's dependency: there with it

        service = BlobServiceClient.from_connection_string(self.environ()["AZURE_STORAGE_CONNECTION_STRING"])
        with service:
            service.create_container(name)


SERVERS: dict[str, type[S3Server]] = {"gs": GcsServer, "az": AzureServer}
PACKAGES = {"gs": "gcsfs", "az": "adlfs"}  # the fsspec package each store's tests read and write it with


@contextmanager
def store_with_bucket(scheme: str) -> Iterator[Any]:
    """The emulator of `scheme` (`gs`, `az`) started, its bucket `runs` made; the test skipped without the store's
    fsspec package."""
    pytest.importorskip(PACKAGES[scheme])
    with SERVERS[scheme]() as started:
        started.make_bucket("runs")
        yield started
