"""Outputs by key under one root — a local folder or an object-store prefix — written atomically, read back the same.

Keys are relative POSIX paths (`ndvi_by_state/2020-06-01.geojson`). A write replaces the object whole or not at all:

- local folder: the bytes go to a temporary sibling, which `os.replace` moves into place (atomic on one
  filesystem); a failure removes the temporary file and leaves the previous file as it was;
- object store: the bytes are complete before anything is sent — in memory, or a finished local file — and are
  then published with one `pipe_file`/`put_file` (a single PUT, or a multipart upload that becomes visible only when
  it is completed and is aborted on error). Never `with fs.open(uri, "wb")`: its close() publishes whatever was
  written when the block raises.

Large files are made locally first: `write_with` hands the writer a local temporary path, `staged` a stable local
path (so checkpoints next to it survive a failed run and the next run resumes). Readers get bytes, a binary file
object, or a local copy for libraries that need a path (rasterio, see `local_copy`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from hashlib import sha256
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ee_assets.files import write_atomic, write_bytes_atomic
from ee_assets.storage.locations import Location, parse_location


def scratch_root() -> Path:
    """Local working space for object-store outputs: $EE_SCRATCH_DIR, else ~/.cache/ee_assets/scratch.

    On disk rather than in /tmp, which is often a RAM-backed tmpfs, because a GeoTIFF being built can be large.
    """
    env = os.environ.get("EE_SCRATCH_DIR", "").strip()
    if env:
        return Path(env).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME", "").strip() or "~/.cache"
    return Path(cache).expanduser().absolute() / "ee_assets" / "scratch"


def output_key(asset: str, partition: str | None, suffix: str, grid: str | None = None) -> str:
    """The key of an asset's file: `<asset>/[<grid>/]<partition><suffix>`; unpartitioned, the file is named after
    the asset's last part (`regions/states/states.geojson`)."""
    parts = [asset, grid] if grid else [asset]
    return "/".join([*parts, f"{partition or PurePosixPath(asset).name}{suffix}"])


def _check_key(key: str) -> str:
    parts = PurePosixPath(key).parts
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"an output key is a relative path without '.' or '..', got {key!r}")
    return "/".join(parts)


class Store:
    """Outputs under one root (see the module docstring). Create with `Store.at(uri)`."""

    def __init__(self, location: Location):
        self.location = location
        self._fs = None

    @classmethod
    def at(cls, uri: str | os.PathLike, storage_options: dict[str, Any] | None = None) -> Store:
        """A store at a local path, `file://…`, `s3://bucket/prefix` or `gs://bucket/prefix`."""
        return cls(parse_location(uri, storage_options))

    def __repr__(self) -> str:
        return f"Store({self.location.uri!r})"

    @property
    def is_local(self) -> bool:
        return self.location.is_local

    @property
    def fs(self):
        """The fsspec filesystem (created on first use; fails with the extra to install when its backend is missing)."""
        if self._fs is None:
            self._fs = self.location.filesystem()
        return self._fs

    # -- naming ------------------------------------------------------------------------------------------------------
    def _path(self, key: str) -> str:
        return f"{self.location.path}/{_check_key(key)}"

    def local_path(self, key: str) -> Path:
        """The file of `key` in a local store (ValueError for object stores: use `local_copy` or `staged`)."""
        if not self.is_local:
            raise ValueError(f"{self.uri(key)} is not a local file")
        return Path(self._path(key))

    def uri(self, key: str) -> str:
        """What to show and record as `dagster/uri`: an absolute path, or `s3://bucket/prefix/key`."""
        return self._path(key) if self.is_local else f"{self.location.scheme}://{self._path(key)}"

    def scratch_path(self, key: str) -> Path:
        """A stable local path for building `key` of an object store: the same for every run on this machine."""
        root_id = sha256(self.location.uri.encode()).hexdigest()[:16]
        return scratch_root() / root_id / _check_key(key)

    # -- writing -------------------------------------------------------------------------------------------------------
    def write_bytes(self, key: str, data: bytes) -> str:
        """Replace `key` with `data`; returns its uri."""
        if self.is_local:
            write_bytes_atomic(self.local_path(key), data)
        else:
            self.fs.pipe_file(self._path(key), bytes(data))
        return self.uri(key)

    def write_file(self, key: str, source: str | os.PathLike) -> str:
        """Replace `key` with a copy of the finished local file `source` (uploaded in one piece); returns its uri."""
        source = Path(source)
        if not source.is_file():
            raise FileNotFoundError(f"nothing to store at {self.uri(key)}: {source} is not a file")
        if self.is_local:
            write_atomic(self.local_path(key), lambda tmp: shutil.copyfile(source, tmp))
        else:
            self.fs.put_file(str(source), self._path(key))
        return self.uri(key)

    def write_with(self, key: str, write: Callable[[Path], object], suffix: str = "") -> str:
        """Replace `key` with the file `write(tmp)` creates at a local temporary path; returns its uri.

        If `write` raises, nothing is published and the temporary file is removed. `suffix` (e.g. ".parquet") is
        given to the temporary file for writers that choose their format by extension.
        """
        if self.is_local:
            write_atomic(self.local_path(key), write)
            return self.uri(key)
        folder = self.scratch_path(key).parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".write-", suffix=suffix or ".tmp", dir=folder)
        os.close(fd)
        tmp = Path(name)
        try:
            write(tmp)
            return self.write_file(key, tmp)
        finally:
            tmp.unlink(missing_ok=True)

    @contextmanager
    def staged(self, key: str) -> Iterator[Path]:
        """A stable local path for `key`, published when the block ends without an error.

        Local store: the final path itself, so the writer must replace it atomically (`ee_assets.files.write_atomic`
        and `fetch_geotiff` do). Object store: a file in scratch space (`scratch_path`), uploaded in one piece and
        removed after the block; after an error it stays, with whatever the writer keeps next to it (a tiled
        fetch's checkpoints), so the next run on this machine can resume.
        """
        if self.is_local:
            path = self.local_path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            yield path
            return
        path = self.scratch_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        yield path
        if not path.is_file():
            raise FileNotFoundError(f"the writer of {self.uri(key)} did not create {path}")
        self.write_file(key, path)
        path.unlink()

    # -- reading -------------------------------------------------------------------------------------------------------
    def exists(self, key: str) -> bool:
        if self.is_local:
            return self.local_path(key).is_file()
        path = self._path(key)
        self.fs.invalidate_cache(path)  # another worker may have written it since this process last looked
        return self.fs.isfile(path)

    def read_bytes(self, key: str) -> bytes:
        if self.is_local:
            return self.local_path(key).read_bytes()
        return self.fs.cat_file(self._path(key))

    def open(self, key: str) -> IO[bytes]:
        """A binary file object for reading (object stores read ranges on demand); use it as a context manager."""
        if self.is_local:
            return open(self.local_path(key), "rb")
        return self.fs.open(self._path(key), "rb")

    @contextmanager
    def local_copy(self, key: str) -> Iterator[Path]:
        """A local file with the object's bytes, for libraries that need a path: the file itself in a local store,
        else a download into scratch space, removed after the block.

        Used for rasterio rather than GDAL's own /vsis3/ and /vsigs/ readers, which need their own endpoint and
        credential settings (AWS_S3_ENDPOINT, AWS_HTTPS, AWS_VIRTUAL_HOSTING instead of AWS_ENDPOINT_URL), or
        rasterio's Python opener, which fails on s3fs paths (rasterio issue 3415): one set of credentials, the
        store's standard ones, serves every read, and memory stays bounded (the copy is on disk).
        """
        if self.is_local:
            path = self.local_path(key)
            if not path.is_file():
                raise FileNotFoundError(f"{path} does not exist")
            yield path
            return
        folder = self.scratch_path(key).parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".read-", suffix=PurePosixPath(key).suffix, dir=folder)
        os.close(fd)
        tmp = Path(name)
        try:
            self.fs.get_file(self._path(key), str(tmp))
            yield tmp
        finally:
            tmp.unlink(missing_ok=True)

    def list_names(self, folder: str, suffix: str = "") -> list[str]:
        """Sorted names of the objects directly in `folder` that end with `suffix` (temporary files excluded)."""
        if self.is_local:
            base = self.local_path(folder)
            names = [p.name for p in base.iterdir() if p.is_file()] if base.is_dir() else []
        else:
            path = self._path(folder)
            self.fs.invalidate_cache(path)
            try:
                names = [PurePosixPath(e["name"]).name for e in self.fs.ls(path, detail=True) if e["type"] == "file"]
            except FileNotFoundError:
                names = []
        return sorted(n for n in names if n.endswith(suffix) and not n.startswith("."))

    def keys(self, folder: str) -> list[str]:
        """Sorted keys of every object under `folder`, at any depth (temporary and staging files excluded)."""
        if self.is_local:
            base = self.local_path(folder)
            found = [p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()] if base.is_dir() else []
        else:
            path = self._path(folder)
            self.fs.invalidate_cache(path)
            found = [name[len(path) + 1:] for name in self.fs.find(path)]
        visible = [k for k in found if not any(part.startswith(".") for part in k.split("/"))]
        return sorted(f"{_check_key(folder)}/{k}" for k in visible)

    def partition_keys(self, asset: str, suffix: str, grid: str | None = None) -> list[str]:
        """Sorted partition keys that have a `suffix` file for `asset` (and `grid`), as laid out by `output_key`."""
        folder = f"{asset}/{grid}" if grid else asset
        return [name[: len(name) - len(suffix)] if suffix else name for name in self.list_names(folder, suffix)]
