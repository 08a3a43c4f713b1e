"""Several outputs replaced together: each is staged in full, and nothing is published until all of them are.

An asset's partition often has several files (a GeoTIFF and a picture per grid, a GeoJSON and its Parquet copy).
If the second grid fails, the first grid's new GeoTIFF must not already sit next to its old picture. A
`Publication` collects the outputs of one partition:

1. **Staging.** Each output is written completely to a staging file: in a local store a hidden sibling of its final
   file (`.staged-<name>`, same filesystem), in an object store a file in local scratch space
   (`Store.scratch_path`). The staging path of a key is the same in every run, so a resumable writer (the tiled
   GeoTIFF fetch) finds the checkpoints it keeps next to it after a failed run. Nothing under the store's root
   changes while staging.
2. **Publishing**, only once every output is staged: in the order the outputs were staged, each is moved into place
   (`os.replace`) or uploaded in one piece (`put_file`), so each replacement is atomic.

The guarantee: a failure before `publish()` — an Earth Engine error, a failed computation, a killed process —
leaves every previous output as it was and no partial one (the block's exit removes the staged files; a writer's
own checkpoints stay for the next run). Publishing itself is a short sequence of atomic replacements, not a
transaction: neither a folder nor S3 or GCS can replace several files or objects at once. If it is interrupted
(a crash, or an upload refused half-way through the sequence), the outputs before that point are new and the rest
are old; `PublishError` names which, the step fails, and rerunning the partition makes them consistent again.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from ee_assets.files import write_atomic, write_bytes_atomic
from ee_assets.storage.store import Store

STAGED_PREFIX = ".staged-"


class PublishError(RuntimeError):
    """Publishing stopped part-way: some outputs were replaced, others not (the message names them)."""


class Publication:
    """Outputs of one partition staged locally, then published together (see the module docstring).

    Use as a context manager; call `publish()` at the end of the block. Leaving the block without publishing (an
    exception) removes the staged files and publishes nothing.
    """

    def __init__(self, store: Store):
        self.store = store
        self._staged: dict[str, Path] = {}  # key -> staging file, in staging order
        self._published: dict[str, str] = {}

    def __enter__(self) -> Publication:
        return self

    def __exit__(self, *exc_info) -> None:
        self.discard()

    # -- staging ---------------------------------------------------------------------------------------------
    def staging_path(self, key: str) -> Path:
        """Where `key` is staged: stable across runs. The writer must create it atomically (`write_atomic`)."""
        if self.store.is_local:
            final = self.store.local_path(key)
            return final.with_name(f"{STAGED_PREFIX}{final.name}")
        return self.store.scratch_path(key)

    def stage(self, key: str) -> Path:
        """Register `key` and return its staging path, for a writer that creates the file itself."""
        if key in self._published:
            raise ValueError(f"{self.store.uri(key)} was already published")
        path = self.staging_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._staged[key] = path
        return path

    def write_bytes(self, key: str, data: bytes) -> str:
        """Stage `data` as `key`; returns the uri it will have."""
        write_bytes_atomic(self.stage(key), data)
        return self.store.uri(key)

    def write_with(self, key: str, write: Callable[[Path], object]) -> str:
        """Stage the file `write(tmp)` creates as `key`; returns the uri it will have."""
        write_atomic(self.stage(key), write)
        return self.store.uri(key)

    def uri(self, key: str) -> str:
        return self.store.uri(key)

    @property
    def keys(self) -> list[str]:
        """The staged keys, in the order they will be published."""
        return list(self._staged)

    # -- publishing --------------------------------------------------------------------------------------------
    def publish(self) -> dict[str, str]:
        """Replace every staged output, in staging order; returns key -> uri of what was published."""
        missing = [key for key, path in self._staged.items() if not path.is_file()]
        if missing:  # a writer did not finish: nothing is published
            raise FileNotFoundError(f"nothing published: no staged file for {', '.join(missing)}")
        while self._staged:
            key, path = next(iter(self._staged.items()))
            try:
                if self.store.is_local:
                    os.replace(path, self.store.local_path(key))
                else:
                    self.store.write_file(key, path)
                    path.unlink()
            except Exception as e:
                done = ", ".join(self._published) or "none"
                left = ", ".join(self._staged)
                raise PublishError(
                    f"publishing to {self.store.location.uri} stopped at {key} ({type(e).__name__}: {e}); replaced: "
                    f"{done}; still the previous version: {left}. Rerun the partition to replace them "
                    "together.") from e
            del self._staged[key]
            self._published[key] = self.store.uri(key)
        return dict(self._published)

    def discard(self) -> None:
        """Remove the staged files that were not published (a writer's checkpoints next to them stay)."""
        for path in self._staged.values():
            path.unlink(missing_ok=True)
        self._staged.clear()
