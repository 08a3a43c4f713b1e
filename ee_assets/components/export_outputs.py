"""What `output: export` steps produce and how their checks read it back: the export's files on a bucket (the
local backend's bucket root for gs:// with EE_BACKEND=local) or the EE asset it wrote."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import dagster as dg
import ee

from ee_assets.components.export_options import EXTENSIONS, FILE_FORMATS, ExportOptions
from ee_assets.components.export_step import run_export
from ee_assets.defs.resources import EarthEngineResource
from ee_assets.storage import scratch_root
from ee_assets.storage.buckets import bucket_store, split_gs
from ee_assets.transport import exports
from ee_assets.transport.expression import serialize
from ee_assets.transport.labels import RequestLabel, sanitize_workload_tag
from ee_assets.transport.stats import TransferStats

SHARD_OFFSETS = re.compile(r"-(\d{10})-(\d{10})\.tif$")


def description(label: RequestLabel) -> str:
    """The task's description (what EE's Tasks list shows): asset and partition."""
    return (sanitize_workload_tag("-".join(p for p in (label.asset, label.partition) if p)) or "ee_assets")[:100]


def export_table(context: dg.AssetExecutionContext, earth_engine: EarthEngineResource, options: ExportOptions,
                 folder: str, partition: str | None, expression: dict, stats: TransferStats,
                 label: RequestLabel) -> dict:
    """Export the table; the materialization's metadata."""
    fmt = options.format or "geojson"
    target = options.target(folder, partition)
    body = exports.table_export_body(expression, description(label), target, FILE_FORMATS[fmt])
    outcome = run_export(context, earth_engine, "table", body, options, target, partition, label, stats,
                         EXTENSIONS[fmt])
    return _metadata(outcome, {"": outcome.status.name})


def export_image(context: dg.AssetExecutionContext, earth_engine: EarthEngineResource, options: ExportOptions,
                 folder: str, partition: str | None, expressions: dict[str, dict], grids: dict[str, dict],
                 stats: TransferStats, label: RequestLabel) -> dict:
    """Export every grid's image (one task each); the materialization's metadata."""
    outcomes = {}
    for name, expression in expressions.items():
        target = options.target(folder, partition, name if len(expressions) > 1 else None)
        body = exports.image_export_body(
            expression, f"{description(label)}-{name}"[:100], grids[name], target, max_pixels=options.max_pixels,
            file_dimensions=list(options.file_dimensions) if isinstance(options.file_dimensions, tuple)
            else options.file_dimensions, shard_size=options.shard_size, cloud_optimized=options.cloud_optimized)
        outcomes[name] = run_export(context, earth_engine, "image", body, options, target, partition, label, stats,
                                    EXTENSIONS["geotiff"], shard_uris(options, target, grids[name]))
    first = next(iter(outcomes.values()))
    metadata = _metadata(first, {n: o.status.name for n, o in outcomes.items()})
    metadata["grids"] = dg.MetadataValue.json({n: o.metadata() for n, o in outcomes.items()})
    metadata["uris"] = dg.MetadataValue.json({n: o.uris for n, o in outcomes.items()})
    metadata["files"] = sum(len(o.uris) for o in outcomes.values())
    return metadata


def shard_uris(options: ExportOptions, target: dict[str, str], grid: dict) -> list[str] | None:
    """The files an image export to gs:// writes when file_dimensions is given (EE's naming), else None."""
    if options.file_dimensions is None or "asset_id" in target:
        return None
    dims = options.file_dimensions
    fw, fh = (dims, dims) if isinstance(dims, int) else dims
    width, height = grid["dimensions"]["width"], grid["dimensions"]["height"]
    base = f"gs://{target['bucket']}/{target['prefix']}"
    if width <= fw and height <= fh:
        return [f"{base}.tif"]
    return [f"{base}-{row:010d}-{col:010d}.tif" for row in range(0, height, fh) for col in range(0, width, fw)]


def _metadata(outcome, operations: dict[str, str]) -> dict:
    uris = outcome.uris
    return {
        "dagster/uri": dg.MetadataValue.path(uris[0] if len(uris) == 1 else outcome.destination),
        "uris": dg.MetadataValue.json(uris),
        "files": len(uris),
        "ee_operations": dg.MetadataValue.json(operations),
        "export": dg.MetadataValue.json(outcome.metadata()),
        "eecu_seconds": outcome.status.eecu_seconds,
        "reattached": outcome.reattached,
    }


# -- reading the outputs back (checks) ---------------------------------------------------------------------------
def _store_and_key(earth_engine: EarthEngineResource, uri: str):
    bucket, key = split_gs(uri)
    return bucket_store(bucket, earth_engine.exports_read_locally), key


def exported_features(earth_engine: EarthEngineResource, uris: list[str]) -> list[dict]:
    """The exported table's features (GeoJSON dicts; CSV rows become properties, numbers parsed)."""
    uri = uris[0]
    if not uri.startswith("gs://"):  # an EE asset
        collection = earth_engine.compute_features(serialize(ee.FeatureCollection(uri)))
        return collection.get("features") or []
    store, key = _store_and_key(earth_engine, uri)
    data = store.read_bytes(key)
    if key.endswith(".csv"):
        return [{"id": row.pop("system:index", None), "geometry": row.pop(".geo", None),
                 "properties": {k: _number(v) for k, v in row.items()}}
                for row in csv.DictReader(io.StringIO(data.decode("utf-8")))]
    return json.loads(data)["features"]


def _number(text: str):
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


@contextmanager
def exported_geotiffs(earth_engine: EarthEngineResource, uris: list[str], grid: dict
                      ) -> Iterator[list[tuple[Path, int, int]]]:
    """Local copies of the exported GeoTIFFs with their (row, col) offsets in the export grid; an EE asset is
    fetched on `grid` with computePixels."""
    with ExitStack() as stack:
        files = []
        for uri in uris:
            if not uri.startswith("gs://"):
                scratch = scratch_root() / "export-checks"
                scratch.mkdir(parents=True, exist_ok=True)
                path = scratch / f"{re.sub(r'[^A-Za-z0-9_-]', '_', uri)}.tif"
                stack.callback(path.unlink, missing_ok=True)
                earth_engine.fetch_geotiff(serialize(ee.Image(uri)), grid, path)
                files.append((path, 0, 0))
                continue
            store, key = _store_and_key(earth_engine, uri)
            path = stack.enter_context(store.local_copy(key))
            offsets = SHARD_OFFSETS.search(key)
            files.append((path, int(offsets[1]), int(offsets[2])) if offsets else (path, 0, 0))
        yield files
