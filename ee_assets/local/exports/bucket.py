"""The folder that stands in for Cloud Storage: gs://BUCKET/PATH is DIR/BUCKET/PATH, each object written
atomically (a temporary sibling moved into place when complete, so a reader never sees part of a file)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ee_assets.local.errors import InvalidArgument
from ee_assets.storage.buckets import bucket_path

ASSETS_FOLDER = "_ee_assets"  # exports to EE assets land here (no bucket name may start with '_')


class BucketRoot:
    """Objects of every bucket under one local folder."""

    def __init__(self, root: Path):
        self.root = Path(root).expanduser().absolute()

    def path(self, bucket: str, name: str) -> Path:
        """The local file of gs://bucket/name (InvalidArgument for names Cloud Storage refuses)."""
        try:
            return bucket_path(self.root, bucket, name)
        except ValueError as e:
            raise InvalidArgument(f"Invalid Cloud Storage destination: {e}.") from None

    def asset_path(self, asset_id: str, suffix: str) -> Path:
        """Where an export to the EE asset `asset_id` keeps its file."""
        parts = [p for p in asset_id.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise InvalidArgument(f"Invalid asset id {asset_id!r}.")
        return Path(self.root, ASSETS_FOLDER, *parts[:-1], parts[-1] + suffix)

    @contextmanager
    def writing(self, target: Path) -> Iterator[Path]:
        """A temporary path to write `target` at; moved into place when the block ends without an error."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def write_with(self, target: Path, write: Callable[[Path], object]) -> Path:
        with self.writing(target) as tmp:
            write(tmp)
        return target
