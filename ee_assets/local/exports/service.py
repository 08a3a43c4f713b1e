"""The export service: starts tasks (idempotent per requestId), runs them on the pool, and answers for their
operations (get, list, cancel, wait).

A task evaluates its expression on a worker thread, then streams the result into files: nothing runs in the
start request but parsing. It ends SUCCEEDED (files in place, progress 1), FAILED (EE's error; no file of it is
published) or CANCELLED (cancel is checked between strips and features). `batchEecuUsageSeconds` is the CPU time
the task's worker thread spent. Seeded faults (`faults.task_failure_rate`, `faults.task_delay_s`) make tasks fail
or take longer.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from ee_assets.local.catalog.catalog import Asset, Catalog, asset_id_from_name
from ee_assets.local.errors import ApiError, InvalidArgument
from ee_assets.local.evaluator.context import EvalContext
from ee_assets.local.evaluator.evaluate import Evaluator
from ee_assets.local.exports import geotiff_writer as gtw
from ee_assets.local.exports.bucket import BucketRoot
from ee_assets.local.exports.operations import (
    CANCELLED,
    CANCELLING,
    CODE_CANCELLED,
    CODE_INTERNAL,
    CODE_INVALID_ARGUMENT,
    FAILED,
    PENDING,
    RUNNING,
    SUCCEEDED,
    Operation,
    OperationStore,
    now,
)
from ee_assets.local.exports.pool import QueueFull, TaskPool
from ee_assets.local.exports.requests import ExportRequest, image_export_request, table_export_request
from ee_assets.local.exports.table_writer import EXTENSIONS, write_table
from ee_assets.local.values.elements import Collection, Feature, features_json
from ee_assets.local.values.image import Image

log = logging.getLogger("ee_assets.local.exports")
DEFAULT_WORKERS = 2  # EE runs about 2 batch tasks of a project at once by default
DEFAULT_MAX_QUEUED = 3000  # and queues about 3000
FEATURE_CHUNK = 1000  # features turned into GeoJSON at once while a table is written


class TooManyTasks(ApiError):
    code = 429
    status = "RESOURCE_EXHAUSTED"


class Cancelled(Exception):
    """The task was asked to stop."""


class ExportService:
    """Batch exports over a catalog, writing under `bucket_root` (None: exports fail, saying how to set one)."""

    def __init__(self, catalog: Catalog, bucket_root: Path | None = None, faults: Any = None,
                 workers: int = DEFAULT_WORKERS, max_queued: int = DEFAULT_MAX_QUEUED,
                 geotiff_mask: str = "internal"):
        self.catalog = catalog
        self.bucket = BucketRoot(bucket_root) if bucket_root is not None else None
        self.faults = faults
        self.geotiff_mask = geotiff_mask
        self.operations = OperationStore()
        self.pool = TaskPool(workers, max_queued)

    # -- the API --------------------------------------------------------------------------------------------------
    def start(self, project: str, kind: str, body: dict) -> dict:
        """image:export / table:export: the Operation (the existing one for a repeated requestId)."""
        request = image_export_request(body) if kind == "image" else table_export_request(body)
        if self.bucket is None:
            raise InvalidArgument("This local backend has no bucket root, so it cannot export: start it with "
                                  "`serve --bucket-root DIR` or set EE_LOCAL_BUCKET_ROOT.")
        op, new = self.operations.create(project, request.kind, request.description, request.priority,
                                         request.request_id)
        if new:
            try:
                self.pool.submit(lambda: self._run(op, request))
            except QueueFull:
                self.operations.forget(op)
                raise TooManyTasks(f"Too many tasks already in the queue ({self.pool.max_queued}). Please wait "
                                   "for some of them to complete.") from None
            log.info("export %s queued: %s (%s)", op.id, request.description, request.kind)
        return op.to_json()

    def get(self, project: str, op_id: str) -> dict:
        return self.operations.get(project, op_id).to_json()

    def list(self, project: str, page_size: int, page_token: str | None) -> dict:
        ops, token = self.operations.page(project, page_size, page_token)
        out: dict[str, Any] = {"operations": [op.to_json() for op in ops]}
        if token:
            out["nextPageToken"] = token
        return out

    def cancel(self, project: str, op_id: str) -> dict:
        """Ask the task to stop (best effort, as EE's): a queued one is CANCELLED now, a running one soon."""
        op = self.operations.get(project, op_id)
        if op.state == PENDING:
            self._finish(op, CANCELLED, {"code": CODE_CANCELLED, "message": "Cancelled."})
        elif op.state == RUNNING:
            self.operations.update(op, state=CANCELLING)
        op.cancel_requested.set()
        return {}

    def wait(self, project: str, op_id: str, timeout_s: float) -> dict:
        op = self.operations.get(project, op_id)
        self.operations.wait(op, timeout_s)
        return op.to_json()

    def stop(self) -> None:
        self.pool.stop()

    # -- running a task -------------------------------------------------------------------------------------------
    def _finish(self, op: Operation, state: str, error: dict | None = None, **changes: Any) -> None:
        self.operations.update(op, state=state, error=error, end_time=now(), **changes)

    def _check(self, op: Operation) -> None:
        if op.cancel_requested.is_set():
            raise Cancelled

    def _run(self, op: Operation, request: ExportRequest) -> None:
        if op.cancel_requested.is_set() or op.done:
            return
        self.operations.update(op, state=RUNNING, start_time=now())
        cpu = time.thread_time()
        try:
            self._injected_faults(op)
            result = Evaluator(request.expression, EvalContext(self.catalog, op.project, self.bucket.root)).run()
            self._check(op)
            uris = self._write_image(op, request, result) if request.kind == "EXPORT_IMAGE" \
                else self._write_table(op, request, result)
            self._finish(op, SUCCEEDED, progress=1.0, destination_uris=uris,
                         eecu_seconds=time.thread_time() - cpu)
            log.info("export %s succeeded", op.id)
        except Cancelled:
            self._finish(op, CANCELLED, {"code": CODE_CANCELLED, "message": "Cancelled."},
                         eecu_seconds=time.thread_time() - cpu)
        except ApiError as e:
            self._finish(op, FAILED, {"code": CODE_INVALID_ARGUMENT, "message": e.message},
                         eecu_seconds=time.thread_time() - cpu)
        except RecursionError:
            self._finish(op, FAILED, {"code": CODE_INVALID_ARGUMENT, "message": "Expression is too deeply nested."})
        except Exception as e:  # an unsupported case or a bug: the task fails with what went wrong
            log.exception("export %s crashed", op.id)
            self._finish(op, FAILED, {"code": CODE_INTERNAL, "message": f"Internal error in the local backend's "
                                      f"export ({type(e).__name__}: {e}); report it with the expression."},
                         eecu_seconds=time.thread_time() - cpu)

    def _injected_faults(self, op: Operation) -> None:
        if self.faults is None:
            return
        started = time.monotonic()
        while time.monotonic() < started + float(self.faults.task_delay_s or 0.0):  # re-read: tests shorten it
            self._check(op)
            time.sleep(0.05)
        if self.faults.draw_task_failure():
            raise InvalidArgument(self.faults.task_failure_message)

    def _progress(self, op: Operation, total: int) -> Callable[[int], None]:
        def report(done: int) -> None:
            self._check(op)
            self.operations.update(op, progress=min(0.99, done / max(total, 1)))
        return report

    def _write_image(self, op: Operation, request: ExportRequest, image: Any) -> list[str]:
        if not isinstance(image, Image):
            raise InvalidArgument(f"image:export: the expression must evaluate to an Image, got "
                                  f"{type(image).__name__}.")
        grid = image.native_grid()
        if grid is None or not image.bands:
            raise InvalidArgument("Unable to export unbounded image: give the export a region (and a scale or "
                                  "crsTransform), or clip the image.")
        gtw.check_pixels(grid.width, grid.height, request.max_pixels)
        options = request.geotiff or gtw.GeoTiffOptions(grid.width, grid.height)
        names, dtypes = image.band_names, [b.dtype for b in image.bands]
        assert self.bucket is not None
        dest = request.destination
        if dest.asset_id is not None:
            options = gtw.GeoTiffOptions(grid.width, grid.height, options.shard_size)
            parts = [gtw.Shard(0, 0, grid.height, grid.width)]
            targets = [self._asset_target(dest, ".tif")]
        else:
            parts = gtw.shards(grid.width, grid.height, options)
            targets = [self.bucket.path(dest.bucket, s.name(dest.prefix, len(parts) == 1)) for s in parts]
        total = sum(gtw.strip_count(s, options) for s in parts)
        done = [0]
        report = self._progress(op, total)

        def on_strip() -> None:
            done[0] += 1
            report(done[0])

        # Every file is staged next to its target and published only when all are written: a failed or cancelled
        # task leaves the previous files as they were.
        self.bucket.root.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".export-", dir=self.bucket.root) as staging:
            staged: list[tuple[Path, Path]] = []
            for i, (shard, target) in enumerate(zip(parts, targets, strict=True)):
                tmp = Path(staging) / f"{i}.tif"
                wanted = gtw.write_shard(tmp, image.bands, names, dtypes,
                                         grid.window(shard.col, shard.row, shard.width, shard.height), options,
                                         self.geotiff_mask, on_strip)
                if wanted and options.cloud_optimized:
                    cog = Path(staging) / f"{i}.cog.tif"
                    gtw.to_cog(tmp, cog)
                    tmp.unlink()
                    tmp = cog
                if wanted:
                    staged.append((tmp, target))
            self._check(op)
            for tmp, target in staged:
                self.bucket.write_with(target, lambda path, src=tmp: shutil.move(src, path))
        if dest.asset_id is not None:
            self._register(dest.asset_id, "IMAGE", targets[0])
            return [f"https://code.earthengine.google.com/?asset={asset_id_from_name(dest.asset_id)}"]
        return [self._console_uri(dest)]

    def _write_table(self, op: Operation, request: ExportRequest, result: Any) -> list[str]:
        if isinstance(result, Feature):
            result = Collection([result])
        if not isinstance(result, Collection) or not all(isinstance(f, Feature) for f in result.elements):
            raise InvalidArgument(f"table:export: the expression must evaluate to a FeatureCollection, got "
                                  f"{type(result).__name__}.")
        elements = result.elements
        assert self.bucket is not None
        dest = request.destination
        fmt = request.table_format or "GEO_JSON"
        if dest.asset_id is not None:
            fmt, target = "GEO_JSON", self._asset_target(dest, ".geojson")
        else:
            target = self.bucket.path(dest.bucket, f"{dest.prefix}.{EXTENSIONS[fmt]}")

        def features() -> Iterable[dict]:  # GeoJSON made a chunk at a time (features_json encodes them together)
            for start in range(0, len(elements), FEATURE_CHUNK):
                yield from features_json(elements[start:start + FEATURE_CHUNK])

        report = self._progress(op, len(elements))
        with self.bucket.writing(target) as tmp:
            write_table(tmp, features, fmt, request.selectors, report)
            self._check(op)
        if dest.asset_id is not None:
            self._register(dest.asset_id, "TABLE", target)
            return [f"https://code.earthengine.google.com/?asset={asset_id_from_name(dest.asset_id)}"]
        return [self._console_uri(dest)]

    def _asset_target(self, dest, suffix: str) -> Path:
        asset_id = asset_id_from_name(dest.asset_id)
        if asset_id in self.catalog.assets and not dest.overwrite:
            raise InvalidArgument(f"Cannot overwrite asset '{asset_id}'.")
        assert self.bucket is not None
        return self.bucket.asset_path(asset_id, suffix)

    def _register(self, asset_id: str, kind: str, path: Path) -> None:
        """Make the exported asset loadable (Image.load / FeatureCollection) and listed, as EE does."""
        aid = asset_id_from_name(asset_id)
        self.catalog.assets[aid] = Asset(aid, kind, {}, None, path=path)

    @staticmethod
    def _console_uri(dest) -> str:
        """EE's destinationUris entry for Cloud Storage: the console page of the prefix's folder."""
        folder = PurePosixPath(dest.prefix).parent
        path = dest.bucket if str(folder) == "." else f"{dest.bucket}/{folder}"
        return f"https://console.developers.google.com/storage/browser/{path}/"
