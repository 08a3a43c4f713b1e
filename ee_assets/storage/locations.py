"""Where outputs can live: a local folder (a path or file://), or a bucket prefix on S3 (s3://) or GCS (gs://).

`parse_location` turns what a user wrote (EE_OUTPUT_DIR, a resource setting) into a `Location`; an unknown scheme is
an error that lists the supported ones, and a missing fsspec backend names the extra to install. Credentials are
each store's standard ones, read by its own client: for S3 the AWS_* variables (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL for an S3-compatible
server) or the instance's role; for GCS application default credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud, the
instance's service account).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fsspec
from fsspec import AbstractFileSystem

from ee_assets.extras import require

# scheme -> (canonical scheme, the install extra that brings its fsspec backend)
OBJECT_STORES: dict[str, tuple[str, str]] = {"s3": ("s3", "s3"), "s3a": ("s3", "s3"), "gs": ("gs", "gcs"),
                                             "gcs": ("gs", "gcs")}
SUPPORTED = "a local path, file://, s3:// (pip install 'ee_assets[s3]') or gs:// (pip install 'ee_assets[gcs]')"


class UnsupportedLocationError(ValueError):
    """An output location this project cannot write to."""


@dataclass(frozen=True)
class Location:
    """A parsed output root: a local folder, or `bucket/prefix` on an object store (`scheme` s3 or gs)."""

    scheme: str  # "file", "s3" or "gs"
    path: str  # local: an absolute path; object stores: "bucket" or "bucket/prefix", no slashes at the ends
    storage_options: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def is_local(self) -> bool:
        return self.scheme == "file"

    @property
    def uri(self) -> str:
        """The root as users write it: an absolute path, or `s3://bucket/prefix`."""
        return self.path if self.is_local else f"{self.scheme}://{self.path}"

    def filesystem(self) -> AbstractFileSystem:
        """The fsspec filesystem for this location (credentials the store's standard way, plus storage_options)."""
        if not self.is_local:
            extra = OBJECT_STORES[self.scheme][1]
            require(extra, f"Writing outputs to {self.scheme}://")
        # A fresh instance: fsspec would otherwise reuse one made under other AWS_* settings (another endpoint).
        return fsspec.filesystem(self.scheme, skip_instance_cache=True, **self.storage_options)


def parse_location(text: str | os.PathLike, storage_options: dict[str, Any] | None = None) -> Location:
    """A Location from a local path, `file://…`, `s3://bucket/prefix` or `gs://bucket/prefix`."""
    raw = os.fspath(text).strip()
    if not raw:
        raise UnsupportedLocationError(f"The output location is empty: give {SUPPORTED}.")
    scheme, sep, rest = raw.partition("://")
    if not sep or (len(scheme) == 1 and scheme.isalpha()):  # a plain path (or a Windows drive letter)
        return Location("file", str(Path(raw).expanduser().absolute()), dict(storage_options or {}))
    scheme = scheme.lower()
    if scheme == "file":
        host, slash, path = rest.partition("/")
        if host not in ("", "localhost"):
            raise UnsupportedLocationError(f"{raw!r} names host {host!r}: a file:// location must be on this "
                                           "machine (file:///absolute/path)")
        return Location("file", str(Path(slash + path).absolute()), dict(storage_options or {}))
    if scheme not in OBJECT_STORES:
        raise UnsupportedLocationError(f"Unsupported output location {raw!r}: the scheme {scheme!r} is not one of "
                                       f"the supported ones; use {SUPPORTED}.")
    path = rest.rstrip("/")
    if not path or path.startswith("/"):
        raise UnsupportedLocationError(f"{raw!r} names no bucket: write {scheme}://bucket[/prefix].")
    if any(part in (".", "..") for part in path.split("/")):
        raise UnsupportedLocationError(f"{raw!r}: '.' and '..' are not allowed in an object-store prefix.")
    return Location(OBJECT_STORES[scheme][0], path, dict(storage_options or {}))
