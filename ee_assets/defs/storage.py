"""Where asset files live, and atomic writes: a rerun replaces a file whole, a failed run leaves it untouched.

Layout under the output folder: `<asset>/[<grid>/]<partition><suffix>` (unpartitioned: `<asset>/<asset><suffix>`).
Each file is written to a temporary sibling and moved into place with `os.replace`, which is atomic on one
filesystem, so readers never see a half-written file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

import dagster as dg
from pydantic import Field

from ee_assets.files import write_atomic, write_bytes_atomic

__all__ = ["OutputStore", "default_output_dir", "write_atomic", "write_bytes_atomic", "write_json_atomic"]

REPO_ROOT = Path(__file__).resolve().parents[2]  # ee_assets/defs/storage.py -> the repository


def default_output_dir() -> Path:
    """$EE_OUTPUT_DIR, else `outputs/` in the repository (or in the working directory for an installed copy)."""
    env = os.environ.get("EE_OUTPUT_DIR", "").strip()
    if env:
        return Path(env).expanduser().absolute()
    root = REPO_ROOT if (REPO_ROOT / "pyproject.toml").is_file() else Path.cwd()
    return root / "outputs"


def write_json_atomic(path: Path, value: object) -> Path:
    """Atomically replace `path` with compact JSON (one trailing newline)."""
    return write_bytes_atomic(path, json.dumps(value, separators=(",", ":"), allow_nan=False).encode() + b"\n")


class OutputStore(dg.ConfigurableResource):
    """The folder asset files are written to and read from (checks and downstream assets read them back).

    Assets and checks reach files only through these methods, so where the files live can change in one place.
    """

    root: str | None = Field(default=None, description="Output folder; unset: $EE_OUTPUT_DIR, else <repo>/outputs.")

    def base(self) -> Path:
        return Path(self.root).expanduser().absolute() if self.root else default_output_dir()

    def path(self, asset: str, partition: str | None, suffix: str, grid: str | None = None) -> Path:
        """The local file of `asset` for `partition` (and `grid`), e.g. ndvi_by_state/2020-06-01.geojson."""
        folder = self.base() / asset
        if grid:
            folder = folder / grid
        return folder / f"{partition or PurePosixPath(asset).name}{suffix}"

    def uri(self, asset: str, partition: str | None, suffix: str, grid: str | None = None) -> str:
        """Where the file is, for metadata (`dagster/uri`) and messages."""
        return str(self.path(asset, partition, suffix, grid))

    def exists(self, asset: str, partition: str | None, suffix: str, grid: str | None = None) -> bool:
        return self.path(asset, partition, suffix, grid).is_file()

    def read_bytes(self, asset: str, partition: str | None, suffix: str, grid: str | None = None) -> bytes:
        """The file's bytes (FileNotFoundError if it is missing)."""
        return self.path(asset, partition, suffix, grid).read_bytes()

    def write_bytes(self, asset: str, partition: str | None, suffix: str, data: bytes, grid: str | None = None
                    ) -> str:
        """Atomically replace the file with `data`; its URI."""
        return str(write_bytes_atomic(self.path(asset, partition, suffix, grid), data))

    def write_file(self, asset: str, partition: str | None, suffix: str, write: Callable[[Path], object],
                   grid: str | None = None) -> str:
        """Atomically replace the file with what `write(local_path)` writes there; its URI."""
        return str(write_atomic(self.path(asset, partition, suffix, grid), write))

    @contextmanager
    def local_file(self, asset: str, partition: str | None, suffix: str, grid: str | None = None
                   ) -> Iterator[Path]:
        """The file as a local path for readers that need one (rasterio, geopandas); FileNotFoundError if missing."""
        path = self.path(asset, partition, suffix, grid)
        if not path.is_file():
            raise FileNotFoundError(path)
        yield path

    def partitions_on_disk(self, asset: str, suffix: str) -> list[str]:
        """Sorted partition keys that have a `suffix` file for `asset` (temporary files excluded)."""
        folder = self.base() / asset
        if not folder.is_dir():
            return []
        return sorted(p.name[: -len(suffix)] for p in folder.glob(f"*{suffix}") if not p.name.startswith("."))
