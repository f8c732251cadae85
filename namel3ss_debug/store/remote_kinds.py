"""What each store `remote_stores.py` makes needs, by its fsspec package: S3 (s3fs), Google Cloud Storage (gcsfs, `gs://`)
and Azure Blob Storage (adlfs, `az://`). How its store is made (the bounds on each request), where it finds its
credentials (said in the line of a store that has none), how its objects are listed from a shell, and where its
endpoint is set. Credentials are always the store's own places, read by its own client: nothing here passes a key.

- S3: botocore's chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance role); an
  S3-compatible store by AWS_ENDPOINT_URL_S3.
- Google Cloud Storage: GOOGLE_APPLICATION_CREDENTIALS, gcloud's application default credentials, the metadata
  server of a Google machine, else anonymous (a private bucket then answers 401: "no credentials"); an emulator by
  STORAGE_EMULATOR_HOST, spoken to in the JSON API alone (gcsfs's default store first asks each bucket's layout
  over gRPC, which an emulator does not serve: a minute's wait a request).
- Azure Blob Storage: AZURE_STORAGE_CONNECTION_STRING, AZURE_STORAGE_ACCOUNT_NAME with AZURE_STORAGE_ACCOUNT_KEY
  or AZURE_STORAGE_SAS_TOKEN, a service principal (AZURE_STORAGE_CLIENT_ID, _SECRET, TENANT_ID), else Azure's
  default credential chain (a managed identity, `az login`); Azurite or another endpoint by the connection
  string's BlobEndpoint.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Mapping

# The package each store needs beside fsspec (fsspec's own registry names them; the usual ones said here so the
# line is right without it).
PACKAGES = {"s3": "s3fs", "s3a": "s3fs", "gs": "gcsfs", "gcs": "gcsfs", "az": "adlfs", "abfs": "adlfs",
            "abfss": "adlfs", "adl": "adlfs"}
EXTRAS = {"s3fs": "s3", "gcsfs": "gcs", "adlfs": "azure"}  # namel3ss-debug's extra that installs each package
# What a store reads its endpoint and credentials from: a change of these is another store
ENVIRONMENT = ("AWS_", "GOOGLE_", "AZURE_", "GCS", "STORAGE_EMULATOR_HOST")


@dataclass(frozen=True)
class StoreKind:
    """What one fsspec package's stores need said: where credentials go, how a user lists a bucket, and where the
    endpoint is set."""

    credentials: str
    lists: str
    endpoint: str


KINDS = {
    "s3fs": StoreKind("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, as the AWS CLI reads",
                      "`aws s3 ls` lists them", "AWS_ENDPOINT_URL_S3"),
    "gcsfs": StoreKind("set GOOGLE_APPLICATION_CREDENTIALS to a service account's key file, or run "
                       "`gcloud auth application-default login`", "`gcloud storage ls` lists them",
                       "STORAGE_EMULATOR_HOST"),
    "adlfs": StoreKind("set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT_NAME with "
                       "AZURE_STORAGE_ACCOUNT_KEY or AZURE_STORAGE_SAS_TOKEN", "`az storage blob list` lists them",
                       "the BlobEndpoint of AZURE_STORAGE_CONNECTION_STRING"),
}
_OTHER = StoreKind("set the store's credentials where its fsspec package reads them", "its own client lists them",
                   "the store's endpoint")


def kind_of(scheme: str) -> StoreKind:
    """What the store of `scheme` (`s3`, `gs`, `az`, ...) needs said; a generic one for a store fsspec knows
    that is not one of these."""
    return KINDS.get(PACKAGES.get(scheme, ""), _OTHER)


@contextmanager
def quietly_imported() -> Iterator[None]:
    """While a store's package is imported: its libraries' FutureWarnings unsaid (google-api-core warns on every
    import of the Python versions it will stop supporting: a line of its own on stderr before our one line)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        yield


def store_options(scheme: str, connect_s: float, read_s: float, attempts: int) -> dict[str, Any]:
    """The options its fsspec class is made with, beyond fsspec's own: each request bounded, as its client
    allows (`connect_s` to connect, `read_s` to answer, `attempts` tries)."""
    package = PACKAGES.get(scheme)
    if package == "s3fs":
        return {"config_kwargs": {"connect_timeout": connect_s, "read_timeout": read_s,
                                  "retries": {"max_attempts": attempts, "mode": "standard"}}}
    if package == "gcsfs":
        return {"requests_timeout": read_s}
    if package == "adlfs":
        return {"connection_timeout": connect_s, "read_timeout": read_s}
    return {}


def store_class(scheme: str, found: type, environ: Mapping[str, str]) -> type:
    """The class to make a store of `scheme` with, fsspec's `found` unless an emulator of Google's storage is
    named (STORAGE_EMULATOR_HOST): then gcsfs's plain JSON-API store, which is all an emulator serves."""
    if PACKAGES.get(scheme) == "gcsfs" and environ.get("STORAGE_EMULATOR_HOST"):
        import importlib  # noqa: PLC0415 - only an emulator of Google's storage is reached so

        plain: type = importlib.import_module("gcsfs.core").GCSFileSystem  # there: fsspec just found gcsfs's class
        return plain
    return found


def bound(fs: Any, scheme: str, attempts: int) -> Any:
    """`fs` with its client's own retries held to `attempts` tries where it lets them be set after the making
    (s3fs's; Azure's policy, whose default waits 15, 18 and 27 s between tries: a stopped store said after a
    minute), and the store's library kept from printing its retries' tracebacks (gcsfs logs them at ERROR, and with
    no handler set Python's last resort prints them on stderr: `remote.failure` says the failure once). gcsfs's
    six tries are fixed when its class is made: a store that refuses every connection is said after 33 s."""
    import logging  # noqa: PLC0415 - only a store's making quiets its library

    if hasattr(fs, "retries"):
        fs.retries = attempts  # s3fs's own retries, around botocore's
    policy = getattr(getattr(getattr(fs, "service_client", None), "_config", None), "retry_policy", None)
    if PACKAGES.get(scheme) == "adlfs" and policy is not None:  # the same policy object every request's pipeline runs
        for name in ("total_retries", "connect_retries", "read_retries", "status_retries"):
            setattr(policy, name, attempts - 1)
        policy.initial_backoff, policy.increment_base = 1, 1
    for library in ("gcsfs", "adlfs", "azure"):
        quiet = logging.getLogger(library)
        if not quiet.handlers:
            quiet.addHandler(logging.NullHandler())
    return fs


def finalized_now(fs: Any) -> None:
    """Run now, while fsspec's loop still runs, what a store's package left to run on that loop at the
    interpreter's exit: adlfs closes its client so, by a finalizer that holds the store (so it never runs before the
    exit), and once `remote_stores.release` has ended the loop it fails with a traceback on stderr after the
    command's answer. Each finalizer runs once: the exit finds it done."""
    import weakref  # noqa: PLC0415 - only `release` looks for them

    for finalizer in list(getattr(weakref.finalize, "_registry", {})):  # CPython's table of live finalizers
        held = finalizer.peek()
        if held is not None and held[0] is fs:
            try:
                finalizer()
            except Exception:  # a client that cannot be closed is left to the exit, as before
                pass


def no_credentials(error: BaseException) -> bool:
    """Whether a store's `error` says it was given no credentials at all (each client says it its own way)."""
    names = {kind.__name__ for kind in type(error).__mro__}
    said = str(error)
    return bool(names & {"NoCredentialsError", "PartialCredentialsError", "CredentialUnavailableError",
                         "DefaultCredentialsError"}) \
        or "connection_string or account_name with credentials" in said \
        or "DefaultAzureCredential failed" in said \
        or ("HttpError" in names and getattr(error, "code", None) == 401)


def denied(error: BaseException) -> bool:
    """Whether a store's `error` says the credentials it was given do not open this object."""
    names = {kind.__name__ for kind in type(error).__mro__}
    said = str(error)
    return isinstance(error, PermissionError) or "ClientAuthenticationError" in names \
        or any(word in said for word in ("AccessDenied", "Forbidden", "AuthorizationFailure",
                                         "AuthenticationFailed", "AuthorizationPermissionMismatch"))
