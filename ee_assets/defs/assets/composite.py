"""Sentinel-2 median composites per month and AOI: the stored expressions and the computePixels results.

Per AOI: a true-colour PNG (B4, B3, B2 stretched 0-3000, as in the seed) and an analysis GeoTIFF (B2, B3, B4,
B8), both on the AOI's grid. A month without imagery fails with a clear message instead of writing empty files.
"""

import hashlib
import json
from pathlib import Path

import dagster as dg

from ee_assets.defs.assets import OWNERS
from ee_assets.defs.config import CompositeConfig, load_settings
from ee_assets.defs.expression_files import read_expression, write_expression
from ee_assets.defs.partitions import month_window, monthly_partitions
from ee_assets.defs.previews import markdown_image, thumbnail
from ee_assets.defs.resources import EarthEngineResource, request_label
from ee_assets.defs.storage import OutputStore, write_bytes_atomic
from ee_assets.graphs.areas import AreaOfInterest
from ee_assets.graphs.composite import (
    ANALYSIS_BANDS,
    VISUAL_BANDS,
    image_count,
    median_composite,
    visualization_options,
)
from ee_assets.transport.expression import expression_hash, serialize
from ee_assets.transport.labels import RequestLabel
from ee_assets.transport.masks import valid_fraction
from ee_assets.transport.stats import TransferStats
from ee_assets.transport.tiled_geotiff import GeoTiffResult

GROUP = "s2_composite"
EXPRESSION = "s2_composite_expression"
RESULT = "s2_composite"


@dg.asset(
    name=EXPRESSION, partitions_def=monthly_partitions, group_name=GROUP, owners=OWNERS,
    kinds={"earthengine", "json"}, code_version="1",
    description="The cloud-masked (QA60) Sentinel-2 median composite for the month, one EE expression per AOI: "
                "the exact JSON body POSTed to image:computePixels (grid and format are added per output).",
)
def s2_composite_expression(context: dg.AssetExecutionContext, config: CompositeConfig,
                            earth_engine: EarthEngineResource, output_store: OutputStore) -> dg.MaterializeResult:
    start, end = month_window(context)
    aois = config.resolve(load_settings())
    hashes, details = {}, {}
    for aoi in aois:
        expression = serialize(median_composite(start, end, aoi))
        path = output_store.path(EXPRESSION, context.partition_key, ".json", aoi.name)
        metadata = write_expression(path, expression)
        hashes[aoi.name] = metadata["expression_sha256"]
        details[aoi.name] = {"path": str(path), "node_count": metadata["node_count"], "collection": aoi.collection}
    combined = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
    first = metadata  # every AOI's graph has the same shape; show one's summary
    return dg.MaterializeResult(
        metadata={"expression_sha256": dg.MetadataValue.json(hashes), "aois": dg.MetadataValue.json(details),
                  "algorithms": first["algorithms"], "earthengine_api": first["earthengine_api"],
                  "window": f"[{start}, {end})"},
        data_version=dg.DataVersion(combined),
    )


def _composite_files(earth_engine: EarthEngineResource, expression: dict, aoi: AreaOfInterest,
                     stats: TransferStats, label: RequestLabel, tif_path: Path) -> tuple[bytes, GeoTiffResult]:
    """For one AOI on its grid: the visual PNG's bytes, and the analysis GeoTIFF written (tiled) to `tif_path`."""
    grid = aoi.grid().to_json()
    png = earth_engine.compute_pixels(expression, grid, "PNG", VISUAL_BANDS, visualization_options(), stats, label)
    tif = earth_engine.fetch_geotiff(expression, grid, tif_path, ANALYSIS_BANDS, stats, label)
    return png, tif


@dg.asset(
    name=RESULT, partitions_def=monthly_partitions, group_name=GROUP, owners=OWNERS, deps=[EXPRESSION],
    kinds={"earthengine", "png", "geotiff"}, code_version="1", pool="earth_engine",
    description="Per AOI: a true-colour PNG (B4/B3/B2, 0-3000) and an analysis GeoTIFF (B2/B3/B4/B8) of the "
                "month's cloud-masked median, computed with image:computePixels on the AOI's grid.",
)
def s2_composite(context: dg.AssetExecutionContext, config: CompositeConfig, earth_engine: EarthEngineResource,
                 output_store: OutputStore) -> dg.MaterializeResult:
    start, end = month_window(context)
    partition = context.partition_key
    aois = config.resolve(load_settings())
    stats, label = TransferStats(), request_label(context)
    expressions = {aoi.name: read_expression(output_store.path(EXPRESSION, partition, ".json", aoi.name),
                                             EXPRESSION, partition) for aoi in aois}
    details: dict[str, dict] = {}
    for aoi in aois:
        count = earth_engine.compute_value(serialize(image_count(start, end, aoi)), stats, label)
        if count == 0:
            raise dg.Failure(f"No {aoi.collection} images over AOI {aoi.name!r} in [{start}, {end}): nothing to "
                             "composite for this month (the local sample data has Sentinel-2 for 2020 only).",
                             allow_retries=False)
        details[aoi.name] = {"image_count": count, "expression_sha256": expression_hash(expressions[aoi.name]),
                             "grid": aoi.grid().to_json()}

    pngs: dict[str, bytes] = {}
    for aoi in aois:
        png, tif = _composite_files(earth_engine, expressions[aoi.name], aoi, stats, label,
                                    output_store.path(RESULT, partition, ".tif", aoi.name))
        pngs[aoi.name] = png
        details[aoi.name] |= {"valid_fraction": round(valid_fraction(tif.path), 6), "tif_path": str(tif.path),
                              "tiles": tif.tiles, "tiles_resumed": tif.tiles_resumed}
    # The PNGs are written last, once every request has succeeded (each GeoTIFF was replaced atomically).
    for name, png in pngs.items():
        details[name]["png_path"] = str(write_bytes_atomic(output_store.path(RESULT, partition, ".png", name), png))

    first = aois[0].name
    preview = markdown_image(thumbnail(pngs[first]), f"{first} {start[:7]}")

    return dg.MaterializeResult(metadata={
        "aois": dg.MetadataValue.json(details),
        "requested_grids": dg.MetadataValue.json({name: d["grid"] for name, d in details.items()}),
        "image_count": details[first]["image_count"],
        "valid_fraction": details[first]["valid_fraction"],
        "png_path": dg.MetadataValue.path(details[first]["png_path"]),
        "tif_path": dg.MetadataValue.path(details[first]["tif_path"]),
        **stats.to_metadata(),
        "preview": preview,
        **earth_engine.describe(),
    })
