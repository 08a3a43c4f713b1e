"""Asset checks: each reads the files back from disk and compares them with what the asset requested.

The NDVI checks block: ndvi_timeseries would silently carry incomplete or out-of-range rows otherwise.
The composite checks have no downstream asset in this code location, so they report without blocking.
"""

import json
import math
import warnings

import dagster as dg
import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS

from ee_assets.defs.assets.composite import RESULT as COMPOSITE
from ee_assets.defs.assets.ndvi import BAND
from ee_assets.defs.assets.ndvi import RESULT as NDVI
from ee_assets.defs.partitions import monthly_partitions
from ee_assets.defs.storage import OutputStore
from ee_assets.transport.masks import valid_fraction

# The checks are partitioned like their assets (one result per month in the UI); Dagster 1.13 labels partitioned
# checks "preview". Accepted knowingly; only that warning is silenced.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec",
                        category=dg.PreviewWarning)


def materialization_metadata(context: dg.AssetCheckExecutionContext, asset: str) -> dict[str, object]:
    """Plain values of the latest materialization's metadata for the check's partition."""
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey(asset), asset_partitions=[context.partition_key]), limit=1,
    ).records
    if not records:
        raise dg.Failure(f"{asset} has no materialization for partition {context.partition_key}; materialize it "
                         "before running its checks.")
    return {k: v.value for k, v in records[0].asset_materialization.metadata.items()}


def _features(output_store: OutputStore, partition: str) -> list[dict]:
    path = output_store.path(NDVI, partition, ".geojson")
    if not path.is_file():
        raise dg.Failure(f"{path} is missing: materialize {NDVI} for partition {partition}.")
    return json.loads(path.read_text())["features"]


@dg.asset_check(asset=NDVI, partitions_def=monthly_partitions, blocking=True,
                description="Rows in the GeoJSON == regions × images in the month: every page was fetched.")
def ndvi_by_state_feature_count(context: dg.AssetCheckExecutionContext,
                                output_store: OutputStore) -> dg.AssetCheckResult:
    metadata = materialization_metadata(context, NDVI)
    regions, images = int(metadata["region_count"]), int(metadata["image_count"])
    rows = len(_features(output_store, context.partition_key))
    return dg.AssetCheckResult(
        passed=rows == regions * images,
        description=None if rows == regions * images else
        f"{rows} rows on disk, expected {regions} regions × {images} images = {regions * images}.",
        metadata={"rows": rows, "regions": regions, "images": images},
    )


@dg.asset_check(asset=NDVI, partitions_def=monthly_partitions, blocking=True,
                description="Every NDVI value lies in [-1, 1] (null = no valid pixels in the region, skipped).")
def ndvi_by_state_ndvi_in_range(context: dg.AssetCheckExecutionContext,
                                output_store: OutputStore) -> dg.AssetCheckResult:
    raw = [f["properties"].get(BAND) for f in _features(output_store, context.partition_key)]
    values = np.array([v for v in raw if v is not None], dtype=float)
    outside = int(((values < -1) | (values > 1) | ~np.isfinite(values)).sum())
    passed = values.size > 0 and outside == 0
    return dg.AssetCheckResult(
        passed=passed,
        description=None if passed else
        (f"{outside} NDVI values outside [-1, 1]." if values.size else "No region has an NDVI value at all."),
        metadata={"values": int(values.size), "nulls": len(raw) - int(values.size), "outside": outside,
                  "min": float(values.min()) if values.size else math.nan,
                  "max": float(values.max()) if values.size else math.nan},
    )


def _composite_aois(context: dg.AssetCheckExecutionContext) -> dict[str, dict]:
    """The AOIs the latest materialization computed, with the grid each requested."""
    return materialization_metadata(context, COMPOSITE)["requested_grids"]


@dg.asset_check(asset=COMPOSITE, partitions_def=monthly_partitions, blocking=False,
                description="Each AOI's GeoTIFF has at least one pixel valid in every band (not entirely masked).")
def s2_composite_not_masked(context: dg.AssetCheckExecutionContext,
                            output_store: OutputStore) -> dg.AssetCheckResult:
    fractions = {name: valid_fraction(output_store.path(COMPOSITE, context.partition_key, ".tif", name))
                 for name in _composite_aois(context)}  # an internal mask or EE's nodata fill values
    empty = sorted(n for n, f in fractions.items() if f == 0)
    return dg.AssetCheckResult(
        passed=not empty,
        description=f"Entirely masked (clouds everywhere?): {', '.join(empty)}." if empty else None,
        metadata={"valid_fraction": dg.MetadataValue.json(fractions)},
    )


def grid_mismatches(path, grid: dict) -> list[str]:
    """How the GeoTIFF at `path` differs from an EE PixelGrid (empty when it matches)."""
    t, dims = grid["affineTransform"], grid["dimensions"]
    expected = Affine(t["scaleX"], t["shearX"], t["translateX"], t["shearY"], t["scaleY"], t["translateY"])
    problems = []
    with rasterio.open(path) as ds:
        if (ds.width, ds.height) != (dims["width"], dims["height"]):
            problems.append(f"size {ds.width}x{ds.height} != {dims['width']}x{dims['height']}")
        if ds.crs != CRS.from_user_input(grid["crsCode"]):
            problems.append(f"CRS {ds.crs} != {grid['crsCode']}")
        if not ds.transform.almost_equals(expected, precision=1e-12):
            problems.append(f"transform {tuple(ds.transform)[:6]} != {tuple(expected)[:6]}")
    return problems


@dg.asset_check(asset=COMPOSITE, partitions_def=monthly_partitions, blocking=False,
                description="Each AOI's GeoTIFF has exactly the requested grid: size, CRS and affine transform.")
def s2_composite_grid_matches_request(context: dg.AssetCheckExecutionContext,
                                      output_store: OutputStore) -> dg.AssetCheckResult:
    problems = {}
    for name, grid in _composite_aois(context).items():
        found = grid_mismatches(output_store.path(COMPOSITE, context.partition_key, ".tif", name), grid)
        if found:
            problems[name] = found
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(f"{n}: {', '.join(p)}" for n, p in problems.items()) or None,
        metadata={"mismatches": dg.MetadataValue.json(problems)},
    )


ALL_CHECKS = [ndvi_by_state_feature_count, ndvi_by_state_ndvi_in_range, s2_composite_not_masked,
              s2_composite_grid_matches_request]
