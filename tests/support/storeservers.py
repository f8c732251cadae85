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

Both keep their state in memory: a server started again has no buckets. Without the emulator the tests are
skipped, unless `NAMEL3SS_TEST_SERVERS=required` (CI), where that is a failure (`s3server.missing`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Optional

from support.s3server import STARTING_S, free_port, missing

AZURITE = Path.home() / ".cache" / "namel3ss-debug" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite's one account and its key: published by Microsoft for the emulator, a secret of no store
ACCOUNT = "devstoreaccount1"
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="


class _EmulatorProcess:
    """An emulator at http://127.0.0.1:PORT in a process of its own (in a temporary directory), the same port
    across `stop` and `start`."""

    what = "the emulator"

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._home = tempfile.TemporaryDirectory(prefix="namel3ss-store-")

    def command(self) -> Optional[list[str]]:
        raise NotImplementedError

    def start(self) -> None:
        command = self.command()
        if command is None:
            missing(f"{self.what} is not installed")
            return
        self._process = subprocess.Popen(command, cwd=self._home.name, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + STARTING_S
        while not self.answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                missing(f"{self.what} did not start on {self.url}")
            time.sleep(0.05)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def answers(self) -> bool:
        """Whether the emulator answers an HTTP request now."""
        try:
            with urllib.request.urlopen(self.url + "/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # an error page is an answer
        except OSError:
            return False

    def __enter__(self) -> _EmulatorProcess:
        self.start()
        return self

    def __exit__(self, kind: Optional[type[BaseException]], error: Optional[BaseException],
                 trace: Optional[TracebackType]) -> None:
        self.stop()
        self._home.cleanup()


class GcsServer(_EmulatorProcess):
    """`gcp-storage-emulator` on 127.0.0.1, its objects in memory."""

    what = "gcp-storage-emulator (pip install gcp-storage-emulator)"

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


class AzureServer(_EmulatorProcess):
    """Azurite's blob service on 127.0.0.1, its blobs in memory."""

    what = "Azurite (npm install azurite, as .ci/run does)"

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
