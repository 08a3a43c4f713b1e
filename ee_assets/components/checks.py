"""The checks every computation gets: each reads the files back through the output store and compares them
with what was requested (or declared by the counts function).

Table: the row count equals the product of the counts (else: not empty), and each declared property range holds.
Image: each grid's GeoTIFF is not entirely masked and has exactly the requested grid.
"""

import json
import math
import re
import warnings

import dagster as dg
import numpy as np
import rasterio
from affine import Affine
from rasterio.crs import CRS

from ee_assets.components.computation import AssetNames, partition_key
from ee_assets.components.export_outputs import exported_features, exported_geotiffs
from ee_assets.components.options import ImageOptions, TableOptions
from ee_assets.defs.storage import OutputStore
from ee_assets.graphs.areas import PixelGrid
from ee_assets.transport.masks import valid_fraction

# The checks are partitioned like their assets (one result per partition in the UI); Dagster 1.13 labels
# partitioned checks "preview". Accepted knowingly; only that warning is silenced.
warnings.filterwarnings("ignore", message="Specifying a partitions_def on an AssetCheckSpec",
                        category=dg.PreviewWarning)

GEOJSON, GEOTIFF = ".geojson", ".tif"


def materialization_metadata(context: dg.AssetCheckExecutionContext, asset: dg.AssetKey) -> dict[str, object]:
    """Plain values of the latest materialization's metadata for the check's partition."""
    partition = partition_key(context)
    records = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[partition] if partition else None), limit=1,
    ).records
    if not records:
        which = f" for partition {partition}" if partition else ""
        raise dg.Failure(f"{asset.to_user_string()} has no materialization{which}; materialize it before running "
                         "its checks.")
    return {k: v.value for k, v in records[0].asset_materialization.metadata.items()}


def _features(store: OutputStore, names: AssetNames, partition: str | None) -> list[dict]:
    try:
        return json.loads(store.read_bytes(names.result_folder, partition, GEOJSON))["features"]
    except FileNotFoundError:
        which = f" for partition {partition}" if partition else ""
        raise dg.Failure(f"{store.uri(names.result_folder, partition, GEOJSON)} is missing: materialize "
                         f"{names.result.to_user_string()}{which}.") from None


def _rows(context: dg.AssetCheckExecutionContext, names: AssetNames, exporting: bool) -> list[dict]:
    """The table's features: the GeoJSON in the output store, or what the export wrote."""
    if not exporting:
        return _features(context.resources.output_store, names, partition_key(context))
    uris = materialization_metadata(context, names.result).get("uris") or []
    try:
        return exported_features(context.resources.earth_engine, list(uris))
    except FileNotFoundError as e:
        raise dg.Failure(f"The exported table is missing ({e}): materialize {names.result.to_user_string()} "
                         "again.") from None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", text.lower()).strip("_") or "value"


def table_checks(options: TableOptions, names: AssetNames, partitions: dg.PartitionsDefinition | None,
                 counts_ref: str | None) -> list[dg.AssetChecksDefinition]:
    """The row count check and one range check per declared property."""
    blocking = options.checks.blocking
    expected = f"the product of the counts from {counts_ref}" if counts_ref else "more than 0"
    exporting = options.exporting
    needs = {"output_store", "earth_engine"} if exporting else {"output_store"}

    @dg.asset_check(asset=names.result, name=f"{names.ident}_feature_count", partitions_def=partitions,
                    blocking=blocking, description=f"Rows in the GeoJSON == {expected}: every page was fetched.",
                    required_resource_keys=needs)
    def feature_count(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        rows = len(_rows(context, names, exporting))
        if not counts_ref:
            return dg.AssetCheckResult(passed=rows > 0, metadata={"rows": rows},
                                       description=None if rows else "The result has no rows.")
        metadata = materialization_metadata(context, names.result)
        counts = metadata.get("counts") or {}
        want = math.prod(int(v) for v in counts.values())
        formula = " × ".join(f"{v} {k}" for k, v in counts.items())
        return dg.AssetCheckResult(
            passed=rows == want,
            description=None if rows == want else f"{rows} rows on disk, expected {formula} = {want}.",
            metadata={"rows": rows, **{k: int(v) for k, v in counts.items()}},
        )

    checks = [feature_count]
    for column, (lo, hi) in options.checks.ranges.items():
        checks.append(_range_check(names, partitions, blocking, column, lo, hi, exporting))
    return checks


def _range_check(names: AssetNames, partitions: dg.PartitionsDefinition | None, blocking: bool, column: str,
                 lo: float, hi: float, exporting: bool = False) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=names.result, name=f"{names.ident}_{_slug(column)}_in_range", partitions_def=partitions,
                    blocking=blocking,
                    description=f"Every {column} value lies in [{lo:g}, {hi:g}] (null = no valid pixels, skipped).",
                    required_resource_keys={"output_store", "earth_engine"} if exporting else {"output_store"})
    def in_range(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        raw = [(f.get("properties") or {}).get(column) for f in _rows(context, names, exporting)]
        numbers = [v for v in raw if isinstance(v, int | float) and not isinstance(v, bool)]
        values = np.array(numbers, dtype=float)
        outside = int(((values < lo) | (values > hi) | ~np.isfinite(values)).sum())
        not_numbers = sum(1 for v in raw if v is not None) - len(numbers)
        passed = values.size > 0 and outside == 0 and not_numbers == 0
        if passed:
            description = None
        elif not values.size:
            description = f"No row has a {column} value at all."
        else:
            description = f"{outside} {column} values outside [{lo:g}, {hi:g}], {not_numbers} not numbers."
        return dg.AssetCheckResult(
            passed=passed, description=description,
            metadata={"values": int(values.size), "nulls": raw.count(None), "outside": outside,
                      "not_numbers": not_numbers,
                      "min": float(values.min()) if values.size else math.nan,
                      "max": float(values.max()) if values.size else math.nan},
        )

    return in_range


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


def _masked_result(fractions: dict[str, float]) -> dg.AssetCheckResult:
    """The not-masked check's result from each grid's valid fraction."""
    empty = sorted(n for n, f in fractions.items() if f == 0)
    return dg.AssetCheckResult(
        passed=not empty,
        description=f"Entirely masked (clouds everywhere? no data?): {', '.join(empty)}." if empty else None,
        metadata={"valid_fraction": dg.MetadataValue.json(fractions)})


def _grid_result(problems: dict[str, list[str]]) -> dg.AssetCheckResult:
    """The grid check's result from each grid's mismatches."""
    return dg.AssetCheckResult(
        passed=not problems,
        description="; ".join(f"{n}: {', '.join(p)}" for n, p in problems.items()) or None,
        metadata={"mismatches": dg.MetadataValue.json(problems)})


def image_checks(options: ImageOptions, names: AssetNames, partitions: dg.PartitionsDefinition | None,
                 grids: dict[str, PixelGrid]) -> list[dg.AssetChecksDefinition]:
    """Not entirely masked, and the requested grid, for every grid's GeoTIFF."""
    blocking = options.checks.blocking
    if options.exporting:
        return export_image_checks(names, partitions, grids, blocking)

    def geotiff(store: OutputStore, partition: str | None, name: str):
        if not store.exists(names.result_folder, partition, GEOTIFF, name):
            which = f" for partition {partition}" if partition else ""
            raise dg.Failure(f"{store.uri(names.result_folder, partition, GEOTIFF, name)} is missing: materialize "
                             f"{names.result.to_user_string()}{which}.")
        return store.local_copy(names.result_folder, partition, GEOTIFF, name)

    @dg.asset_check(asset=names.result, name=f"{names.ident}_not_masked", partitions_def=partitions,
                    blocking=blocking,
                    description="Each grid's GeoTIFF has at least one pixel valid in every band (not entirely masked).")
    def not_masked(context: dg.AssetCheckExecutionContext, output_store: OutputStore) -> dg.AssetCheckResult:
        fractions = {}
        for name in grids:
            with geotiff(output_store, partition_key(context), name) as path:
                fractions[name] = round(valid_fraction(path), 6)
        return _masked_result(fractions)

    @dg.asset_check(asset=names.result, name=f"{names.ident}_grid_matches_request", partitions_def=partitions,
                    blocking=blocking,
                    description="Each grid's GeoTIFF has exactly the requested grid: size, CRS and affine transform.")
    def grid_matches(context: dg.AssetCheckExecutionContext, output_store: OutputStore) -> dg.AssetCheckResult:
        problems = {}
        for name, grid in grids.items():
            with geotiff(output_store, partition_key(context), name) as path:
                found = grid_mismatches(path, grid.to_json())
            if found:
                problems[name] = found
        return _grid_result(problems)

    return [not_masked, grid_matches]


def export_image_checks(names: AssetNames, partitions: dg.PartitionsDefinition | None, grids: dict[str, PixelGrid],
                        blocking: bool) -> list[dg.AssetChecksDefinition]:
    """The image checks on what an export wrote: every file of every grid (EE's shards tile the grid)."""

    def files(context: dg.AssetCheckExecutionContext, name: str):
        uris = materialization_metadata(context, names.result).get("uris") or {}
        return exported_geotiffs(context.resources.earth_engine, list(uris.get(name) or []),
                                 grids[name].to_json())

    @dg.asset_check(asset=names.result, name=f"{names.ident}_not_masked", partitions_def=partitions,
                    blocking=blocking, required_resource_keys={"earth_engine"},
                    description="Each grid's exported GeoTIFFs have a pixel valid in every band (not entirely "
                                "masked).")
    def not_masked(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        fractions = {}
        for name in grids:
            with files(context, name) as found:
                sizes = []
                for path, _, _ in found:
                    with rasterio.open(path) as ds:
                        sizes.append(ds.width * ds.height)
                valid = sum(valid_fraction(path) * n for (path, _, _), n in zip(found, sizes, strict=True))
                fractions[name] = round(valid / max(sum(sizes), 1), 6)
        return _masked_result(fractions)

    @dg.asset_check(asset=names.result, name=f"{names.ident}_grid_matches_request", partitions_def=partitions,
                    blocking=blocking, required_resource_keys={"earth_engine"},
                    description="The exported GeoTIFFs of each grid tile exactly the requested grid: CRS, affine "
                                "transform of every file at its offset, and the whole size.")
    def grid_matches(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        problems = {}
        for name, grid in grids.items():
            with files(context, name) as found:
                found_problems = shard_grid_mismatches(found, grid.to_json())
            if found_problems:
                problems[name] = found_problems
        return _grid_result(problems)

    return [not_masked, grid_matches]


def shard_grid_mismatches(files: list, grid: dict) -> list[str]:
    """How exported files [(path, row, col)] differ from tiling the EE PixelGrid `grid` (empty when they tile it)."""
    if not files:
        return ["no exported file"]
    t, dims = grid["affineTransform"], grid["dimensions"]
    expected = Affine(t["scaleX"], t["shearX"], t["translateX"], t["shearY"], t["scaleY"], t["translateY"])
    problems, covered, right, bottom = [], 0, 0, 0
    for path, row, col in files:
        with rasterio.open(path) as ds:
            if ds.crs != CRS.from_user_input(grid["crsCode"]):
                problems.append(f"{path.name}: CRS {ds.crs} != {grid['crsCode']}")
            want = expected @ Affine.translation(col, row)
            if not ds.transform.almost_equals(want, precision=1e-9):
                problems.append(f"{path.name}: transform {tuple(ds.transform)[:6]} != {tuple(want)[:6]}")
            covered += ds.width * ds.height
            right, bottom = max(right, col + ds.width), max(bottom, row + ds.height)
    if (right, bottom) != (dims["width"], dims["height"]) or covered != dims["width"] * dims["height"]:
        problems.append(f"the files cover {right}x{bottom} ({covered} pixels), not {dims['width']}x{dims['height']}")
    return problems
