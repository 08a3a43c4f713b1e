"""Where the local backend keeps Cloud Storage buckets: gs://BUCKET/PATH is <root>/BUCKET/PATH on this machine.

The local backend's exports write there, and readers of export outputs (the components' checks) resolve gs://
URIs there, so both sides agree without Cloud Storage. The root is $EE_LOCAL_BUCKET_ROOT, else
~/.cache/ee_assets/buckets (`serve --bucket-root DIR` overrides it for a standalone server).
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

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
