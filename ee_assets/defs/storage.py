"""The output store resource: where asset files live — a local folder, file://, s3:// or gs:// — for every writer
and every reader (downstream assets, checks, the demo summary).

A thin Dagster resource over `ee_assets.storage.Store`: files are addressed by asset, partition, suffix and grid
(`<asset>/[<grid>/]<partition><suffix>`, unpartitioned `<asset>/<asset's last part><suffix>`), each write replaces
a file whole, and the outputs of one partition are replaced together (`publication()`). An unsupported location
fails when the definitions load (EE_OUTPUT_DIR) or when the resource is set up, with the store's message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
from pydantic import Field, PrivateAttr

from ee_assets.storage import Publication, Store, UnsupportedLocationError, output_key, parse_location

__all__ = ["OUTPUT_DIR_ENV", "REPO_ROOT", "OutputStore", "check_output_dir_env", "default_output_root"]

REPO_ROOT = Path(__file__).resolve().parents[2]  # ee_assets/defs/storage.py -> the repository
OUTPUT_DIR_ENV = "EE_OUTPUT_DIR"


def default_output_root() -> str:
    """$EE_OUTPUT_DIR (a path or a URI), else `outputs/` in the repository (the working directory when installed)."""
    env = os.environ.get(OUTPUT_DIR_ENV, "").strip()
    if env:
        return env
    root = REPO_ROOT if (REPO_ROOT / "pyproject.toml").is_file() else Path.cwd()
    return str(root / "outputs")


def check_output_dir_env() -> None:
    """Fail now, naming the variable, if EE_OUTPUT_DIR is set to a location the store cannot use."""
    value = os.environ.get(OUTPUT_DIR_ENV, "").strip()
    if value:
        try:
            parse_location(value)
        except UnsupportedLocationError as e:
            raise UnsupportedLocationError(f"{OUTPUT_DIR_ENV}: {e}") from None


class OutputStore(dg.ConfigurableResource):
    """Where asset files are written and read back (checks, downstream assets): no code assumes a local path."""

    root: str | None = Field(default=None, description="Where outputs go: a local folder, file:///path, "
                             "s3://bucket/prefix or gs://bucket/prefix (credentials the store's standard way); "
                             "unset: $EE_OUTPUT_DIR, else <repo>/outputs.")

    _store: Store | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._store = self._open()
        self._store.fs  # noqa: B018 - a missing fsspec backend fails here, naming the extra to install

    def _open(self) -> Store:
        where = "output_store.root" if self.root else OUTPUT_DIR_ENV
        try:
            return Store.at(self.root or default_output_root())
        except UnsupportedLocationError as e:
            raise UnsupportedLocationError(f"{where}: {e}") from None

    @property
    def store(self) -> Store:
        """The underlying store (opened on first use outside a run, e.g. in a script)."""
        if self._store is None:
            self._store = self._open()
        return self._store

    # -- naming ------------------------------------------------------------------------------------------------
    @staticmethod
    def key(asset: str, partition: str | None, suffix: str, grid: str | None = None) -> str:
        """The file's key under the root, e.g. `s2_composite/delta/2020-06-01.tif`."""
        return output_key(asset, partition, suffix, grid)

    def uri(self, asset: str, partition: str | None, suffix: str, grid: str | None = None) -> str:
        """Where the file is (`dagster/uri`, messages): an absolute path or `s3://bucket/prefix/…`."""
        return self.store.uri(self.key(asset, partition, suffix, grid))

    def root_uri(self, folder: str = "") -> str:
        """The root (or a folder under it) as users write it."""
        base = self.store.location.uri
        return f"{base}/{folder}" if folder else base

    # -- reading ------------------------------------------------------------------------------------------------
    def exists(self, asset: str, partition: str | None, suffix: str, grid: str | None = None) -> bool:
        return self.store.exists(self.key(asset, partition, suffix, grid))

    def read_bytes(self, asset: str, partition: str | None, suffix: str, grid: str | None = None) -> bytes:
        """The file's bytes (FileNotFoundError if it is missing)."""
        return self.store.read_bytes(self.key(asset, partition, suffix, grid))

    @contextmanager
    def local_copy(self, asset: str, partition: str | None, suffix: str, grid: str | None = None
                   ) -> Iterator[Path]:
        """The file as a local path for readers that need one (rasterio): the file itself in a folder, a download
        into scratch space from an object store; FileNotFoundError if it is missing."""
        with self.store.local_copy(self.key(asset, partition, suffix, grid)) as path:
            yield path

    def partition_keys(self, asset: str, suffix: str, grid: str | None = None) -> list[str]:
        """Sorted partition keys that have a `suffix` file for `asset` (staging and temporary files excluded)."""
        return self.store.partition_keys(asset, suffix, grid)

    def keys_under(self, folder: str) -> list[str]:
        """Every file's key under `folder`, at any depth (not `keys`: Dagster's config machinery calls that)."""
        return self.store.keys(folder)

    # -- writing ------------------------------------------------------------------------------------------------
    def write_bytes(self, asset: str, partition: str | None, suffix: str, data: bytes, grid: str | None = None
                    ) -> str:
        """Replace one file with `data` (atomically); its URI. Several files of a partition: `publication()`."""
        return self.store.write_bytes(self.key(asset, partition, suffix, grid), data)

    def write_with(self, asset: str, partition: str | None, suffix: str, write: Callable[[Path], object],
                   grid: str | None = None) -> str:
        """Replace one file with what `write(local_path)` creates (atomically); its URI."""
        return self.store.write_with(self.key(asset, partition, suffix, grid), write, suffix=suffix)

    def publication(self) -> Publication:
        """Stage the outputs of one partition and publish them together (`ee_assets.storage.publication`)."""
        return Publication(self.store)
