"""Where the local backend keeps Cloud Storage buckets: gs://BUCKET/PATH is <root>/BUCKET/PATH on this machine.

The local backend's exports write there, and readers of export outputs (the components' checks) resolve gs://
URIs there, so both sides agree without Cloud Storage. The root is $EE_LOCAL_BUCKET_ROOT, else
~/.cache/ee_assets/buckets (`serve --bucket-root DIR` overrides it for a standalone server).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ee_assets.storage.store import Store

BUCKET_ROOT_ENV = "EE_LOCAL_BUCKET_ROOT"
# Cloud Storage's bucket naming rules (lowercase letters, digits, -, _ and ., 3-222 characters).
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]")


def local_bucket_root() -> Path:
    """$EE_LOCAL_BUCKET_ROOT, else ~/.cache/ee_assets/buckets (absolute)."""
    env = os.environ.get(BUCKET_ROOT_ENV, "").strip()
    if env:
        return Path(env).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return Path(cache).expanduser().absolute() / "ee_assets" / "buckets"


def bucket_path(root: Path, bucket: str, path: str = "") -> Path:
    """<root>/<bucket>/<path>; ValueError for a bucket name Cloud Storage refuses or a path with '.' or '..'."""
    if not BUCKET_NAME.fullmatch(bucket):
        raise ValueError(f"invalid bucket name {bucket!r}: Cloud Storage bucket names are 3-222 lowercase letters, "
                         "digits, '-', '_' and '.', starting and ending with a letter or digit")
    parts = PurePosixPath(path).parts if path else ()
    if path.startswith("/") or any(p in (".", "..") for p in parts) or "\\" in path:
        raise ValueError(f"invalid object name {path!r}: no leading '/', '.' or '..' segments")
    return Path(root, bucket, *parts)


def gs_to_local(uri: str, root: Path | None = None) -> Path:
    """The local file of gs://BUCKET/PATH under `root` (default: `local_bucket_root()`)."""
    if not uri.startswith("gs://"):
        raise ValueError(f"not a gs:// URI: {uri!r}")
    bucket, _, path = uri[len("gs://"):].partition("/")
    return bucket_path(root or local_bucket_root(), bucket, path)


def split_gs(uri: str) -> tuple[str, str]:
    """("bucket", "path/in/bucket") of gs://bucket/path/in/bucket."""
    if not uri.startswith("gs://"):
        raise ValueError(f"not a gs:// URI: {uri!r}")
    bucket, _, path = uri[len("gs://"):].partition("/")
    return bucket, path


SHARD_NAME = re.compile(r"-\d{10}-\d{10}$")


def exported_objects(store_for: Callable[[str], Store], prefix_uri: str, extension: str) -> list[str]:
    """The gs:// URIs an export to `prefix_uri` produced: `prefix.<ext>`, or EE's shards
    `prefix-<yMin>-<xMin>.<ext>` (10-digit offsets), sorted as EE orders them."""
    bucket, prefix = split_gs(prefix_uri)
    folder, _, stem = prefix.rpartition("/")
    names = store_for(bucket).list_names(folder, f".{extension}") if folder else \
        _root_names(store_for(bucket), f".{extension}")
    found = [n for n in names if n == f"{stem}.{extension}" or (
        n.startswith(f"{stem}-") and SHARD_NAME.fullmatch(n[len(stem):-len(extension) - 1] or "") is not None)]
    return [f"gs://{bucket}/{folder + '/' if folder else ''}{n}" for n in sorted(found)]


def _root_names(store: Store, suffix: str) -> list[str]:
    if store.is_local:
        base = Path(store.location.path)
        return sorted(p.name for p in base.glob(f"*{suffix}") if p.is_file()) if base.is_dir() else []
    return sorted(PurePosixPath(n).name for n in store.fs.ls(store.location.path, detail=False)
                  if n.endswith(suffix))


def bucket_store(bucket: str, local: bool) -> Store:
    """The Store of a Cloud Storage bucket: its folder under `local_bucket_root()` when `local` (the local
    backend's buckets), else gs://bucket itself (gcsfs, application default credentials)."""
    if local:
        return Store.at(bucket_path(local_bucket_root(), bucket))
    return Store.at(f"gs://{bucket}")
