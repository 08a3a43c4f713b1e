"""Batch exports over REST: start an image:export / table:export with a deterministic requestId, read and cancel
its operation, and poll it to the end with backoff.

The request body is made by the official client's `ee.batch.Export.*` (so the grid, formats and destination
travel exactly as EE expects), then POSTed through `EERestClient` with the gate, retries and workloadTag of every
other call. A repeated requestId starts at most one task, so a start retried after a lost answer, or by a
re-executed run, finds the task the first attempt started.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ee

from ee_assets.transport.expression import expression_hash
from ee_assets.transport.labels import RequestLabel
from ee_assets.transport.rest import EERestClient
from ee_assets.transport.stats import TransferStats

ACTIVE = frozenset({"PENDING", "RUNNING", "CANCELLING"})
REQUEST_ID_PREFIX = "eea-"


def request_id(project: str, label: RequestLabel, expression: dict, destination: str, generation: int) -> str:
    """The requestId of one export: the same project, asset, partition, expression, destination and generation
    (how many exports of them were started before) always give the same id (EE: [A-Za-z0-9-], ≤ 60)."""
    key = "|".join([project, label.asset or "", label.partition or "", expression_hash(expression), destination,
                    str(generation)])
    return REQUEST_ID_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:48]


@dataclass(frozen=True)
class OperationStatus:
    """What an Operation says about its task."""

    name: str
    state: str
    done: bool
    progress: float
    eecu_seconds: float
    error: str | None
    destination_uris: tuple[str, ...]
    raw: dict

    @classmethod
    def from_json(cls, op: dict) -> OperationStatus:
        meta = op.get("metadata") or {}
        error = op.get("error")
        return cls(op.get("name", ""), str(meta.get("state", "UNKNOWN")), bool(op.get("done")),
                   float(meta.get("progress") or 0.0), float(meta.get("batchEecuUsageSeconds") or 0.0),
                   (error.get("message") or str(error)) if isinstance(error, dict) else None,
                   tuple(meta.get("destinationUris") or ()), op)

    @property
    def active(self) -> bool:
        return not self.done and self.state in ACTIVE

    def describe(self) -> str:
        return (f"{self.state} {100 * self.progress:.0f}%, {self.eecu_seconds:.1f} EECU-seconds")


def image_export_body(expression: dict, description: str, grid: dict, destination: dict, *,
                      max_pixels: int, file_dimensions: int | list[int] | None, shard_size: int,
                      cloud_optimized: bool) -> dict:
    """The image:export body for the stored expression on an EE PixelGrid, made by ee.batch.Export.image."""
    image = ee.Image(ee.deserializer.decodeCloudApi(expression))
    t = grid["affineTransform"]
    dims = grid["dimensions"]
    common: dict[str, Any] = dict(description=description, crs=grid["crsCode"], maxPixels=max_pixels,
                                  crsTransform=[t["scaleX"], t["shearX"], t["translateX"], t["shearY"],
                                                t["scaleY"], t["translateY"]],
                                  dimensions=f"{dims['width']}x{dims['height']}")
    if "asset_id" in destination:
        task = ee.batch.Export.image.toAsset(image, assetId=destination["asset_id"], **common)
    else:
        task = ee.batch.Export.image.toCloudStorage(
            image, bucket=destination["bucket"], fileNamePrefix=destination["prefix"], shardSize=shard_size,
            fileDimensions=file_dimensions, formatOptions={"cloudOptimized": cloud_optimized}, **common)
    return _encoded(task.config)


def table_export_body(expression: dict, description: str, destination: dict, file_format: str) -> dict:
    """The table:export body for the stored expression, made by ee.batch.Export.table."""
    collection = ee.FeatureCollection(ee.deserializer.decodeCloudApi(expression))
    if "asset_id" in destination:
        task = ee.batch.Export.table.toAsset(collection, description=description, assetId=destination["asset_id"])
    else:
        task = ee.batch.Export.table.toCloudStorage(collection, description=description,
                                                    bucket=destination["bucket"],
                                                    fileNamePrefix=destination["prefix"], fileFormat=file_format)
    return _encoded(task.config)


def _encoded(config: dict) -> dict:
    body = dict(config)
    body["expression"] = ee.serializer.encode(body["expression"], for_cloud_api=True)
    return body


def start_export(client: EERestClient, kind: str, body: dict, request_id_: str, label: RequestLabel,
                 stats: TransferStats | None = None) -> OperationStatus:
    """POST image:export or table:export (`kind` "image" or "table") with `request_id_`: the task's Operation."""
    answer = client.call(f"{kind}:export", {**body, "requestId": request_id_}, stats=stats, label=label,
                         digest=expression_hash(body["expression"]))
    return OperationStatus.from_json(answer)


def get_operation(client: EERestClient, name: str, label: RequestLabel | None = None,
                  stats: TransferStats | None = None) -> OperationStatus:
    return OperationStatus.from_json(client.call("operations.get", None, "GET", name, stats, label))


def cancel_operation(client: EERestClient, name: str, label: RequestLabel | None = None) -> None:
    """Ask EE to cancel the task (asynchronous: poll to see it CANCELLED)."""
    client.call("operations.cancel", {}, "POST", f"{name}:cancel", label=label)


@dataclass(frozen=True)
class PollSettings:
    """Seconds between polls: `first`, growing by `factor` up to `most`."""

    first: float = 5.0
    most: float = 60.0
    factor: float = 1.5


def wait_for(client: EERestClient, name: str, poll: PollSettings, on_status: Callable[[OperationStatus], None],
             label: RequestLabel | None = None, sleep: Callable[[float], None] = time.sleep) -> OperationStatus:
    """Poll the operation until it is done; `on_status` sees every answer. The last status is returned."""
    delay = poll.first
    while True:
        status = get_operation(client, name, label)
        on_status(status)
        if status.done or status.state not in ACTIVE:
            return status
        sleep(delay)
        delay = min(poll.most, delay * poll.factor)
