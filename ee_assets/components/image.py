"""Image computations: an expression asset (the exact request body, per grid) and a result asset
(image:computePixels on each grid: an analysis GeoTIFF fetched in tiles, any size, and a picture when a
visualization is given), with checks and a preview.

`ee_image_assets(...)` builds them from keyword arguments; `EarthEngineImageComponent` from a defs.yaml. Both take
the options of `ImageOptions`. A graph function with a `region` parameter gets each grid's footprint.
"""

import hashlib
import json
from pathlib import Path, PurePosixPath
from typing import Any, ClassVar

import dagster as dg
import ee

from ee_assets.components.checks import GEOTIFF, image_checks
from ee_assets.components.component import EarthEngineComponent
from ee_assets.components.computation import (
    AssetNames,
    ComputationKind,
    Functions,
    automation_definitions,
    call_graph,
    common_attributes,
    evaluate_counts,
    graph_metadata,
    partition_key,
    run_window,
)
from ee_assets.components.export_outputs import export_image
from ee_assets.components.expression_files import read_expression, write_expression
from ee_assets.components.options import ImageOptions
from ee_assets.components.previews import markdown_image, thumbnail
from ee_assets.components.scaffold import ImageScaffolder
from ee_assets.defs.resources import EarthEngineResource, request_label
from ee_assets.defs.storage import OutputStore
from ee_assets.graphs.areas import PixelGrid, grid_region
from ee_assets.transport.expression import expression_hash
from ee_assets.transport.masks import valid_fraction
from ee_assets.transport.stats import TransferStats

RETURNS = (ee.Image,)
PICTURES = {"png": ("PNG", ".png"), "jpeg": ("JPEG", ".jpg")}


def build_image_assets(options: ImageOptions, functions: Functions) -> dg.Definitions:
    """The expression and result assets, their checks, and the optional job and schedule."""
    names = AssetNames.of(options.asset_key)
    attributes = common_attributes(options, names, functions)
    partitions = attributes["partitions_def"]
    grids: dict[str, PixelGrid] = {name: grid.pixel_grid() for name, grid in options.grids.items()}
    picture = options.picture_format()
    what = options.description or f"{names.result.to_user_string()}: {functions.graph.ref} via image:computePixels"

    def region(grid: PixelGrid) -> ee.Geometry | None:
        return grid_region(grid) if functions.graph.takes_region or (
            functions.counts is not None and functions.counts.takes_region) else None

    @dg.asset(key=names.expression, kinds={"earthengine", "json"}, **attributes,
              description=f"The computation of {names.result.to_user_string()} as an EE expression per grid "
                          f"({functions.graph.ref}): the exact JSON body POSTed to image:computePixels (grid and "
                          "format are added per output).")
    def expression_asset(context: dg.AssetExecutionContext, earth_engine: EarthEngineResource,
                         output_store: OutputStore) -> dg.MaterializeResult:
        span, partition = run_window(context, options), partition_key(context)
        earth_engine.connection  # noqa: B018 - initializes the ee client the graph is built with
        hashes, details, metadata = {}, {}, {}
        with output_store.publication() as outputs:  # every grid's expression, or none
            for name, grid in grids.items():
                expression = call_graph(functions, options, span, region(grid))
                metadata = write_expression(outputs, names.expression_folder, partition, expression, name)
                hashes[name] = metadata["expression_sha256"]
                details[name] = {"path": metadata["path"].value, "node_count": metadata["node_count"]}
            outputs.publish()
        combined = hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()
        return dg.MaterializeResult(
            metadata={"expression_sha256": dg.MetadataValue.json(hashes), "grids": dg.MetadataValue.json(details),
                      "dagster/uri": dg.MetadataValue.path(details[next(iter(grids))]["path"]),
                      "algorithms": metadata["algorithms"], "earthengine_api": metadata["earthengine_api"],
                      **graph_metadata(options, functions, span)},
            data_version=dg.DataVersion(combined),
        )

    kinds = {"earthengine", "geotiff", *([picture] if picture else []), *options.kinds}

    @dg.asset(key=names.result, deps=[names.expression], pool=options.pool, kinds=kinds,
              freshness_policy=options.freshness.policy() if options.freshness else None,
              description=options.description or f"{functions.graph.ref} computed with image:computePixels on "
                                                  f"each grid ({', '.join(grids)}): an analysis GeoTIFF"
                                                  + (f" and a {picture.upper()} picture." if picture else "."),
              **attributes)
    def result_asset(context: dg.AssetExecutionContext, earth_engine: EarthEngineResource,
                     output_store: OutputStore) -> dg.MaterializeResult:
        span, partition = run_window(context, options), partition_key(context)
        stats, label = TransferStats(), request_label(context)
        expressions = {name: read_expression(output_store, names.expression_folder, partition, name)
                       for name in grids}
        details: dict[str, dict[str, Any]] = {}
        for name, grid in grids.items():
            counts = evaluate_counts(earth_engine, functions, options, span, stats, label, region(grid),
                                     where=f" over grid {name!r}")
            details[name] = {**counts, "expression_sha256": expression_hash(expressions[name]),
                             "grid": grid.to_json()}

        if options.exporting:  # one batch export per grid writes the files; the checks read them there
            exported = export_image(context, earth_engine, options.export, names.result_folder, partition,
                                    expressions, {n: g.to_json() for n, g in grids.items()}, stats, label)
            return dg.MaterializeResult(metadata={**exported, "expressions": dg.MetadataValue.json(details),
                                                  **stats.to_metadata(), **earth_engine.describe()})

        # Every file of every grid is staged first (the GeoTIFFs with their tile checkpoints, resumable) and
        # published only once all are complete: a failure on any grid replaces nothing.
        pictures: dict[str, bytes] = {}
        with output_store.publication() as outputs:
            for name, grid in grids.items():
                tif_key = output_store.key(names.result_folder, partition, GEOTIFF, name)
                tif = earth_engine.fetch_geotiff(expressions[name], grid.to_json(), outputs.stage(tif_key),
                                                 options.bands, stats, label, name=PurePosixPath(tif_key).name)
                details[name] |= {"valid_fraction": round(valid_fraction(tif.path), 6),
                                  "tif_path": outputs.uri(tif_key), "bands": list(tif.bands), "dtype": tif.dtype,
                                  "tiles": tif.tiles, "tiles_resumed": tif.tiles_resumed}
                if picture:
                    vis, (file_format, suffix) = options.visualization, PICTURES[picture]
                    pictures[name] = earth_engine.compute_pixels(expressions[name], grid.to_json(), file_format,
                                                                 vis.bands, vis.request_options(), stats, label)
                    details[name][f"{picture}_path"] = outputs.write_bytes(
                        output_store.key(names.result_folder, partition, suffix, name), pictures[name])
            outputs.publish()

        first = next(iter(grids))
        summary = {k: v for k, v in details[first].items() if k not in ("grid", "expression_sha256", "bands")}
        metadata: dict[str, Any] = {
            "grids": dg.MetadataValue.json(details),
            "requested_grids": dg.MetadataValue.json({name: d["grid"] for name, d in details.items()}),
            "dagster/uri": dg.MetadataValue.path(details[first]["tif_path"]),
            **{k: (dg.MetadataValue.path(v) if k.endswith("_path") else v) for k, v in summary.items()},
            **stats.to_metadata(),
            **earth_engine.describe(),
        }
        if picture:
            caption = f"{first} {span[0][:7] if span else names.result.to_user_string()}"
            metadata["preview"] = markdown_image(thumbnail(pictures[first]), caption)
        return dg.MaterializeResult(metadata=metadata)

    return dg.Definitions(assets=[expression_asset, result_asset],
                          asset_checks=image_checks(options, names, partitions, grids),
                          **automation_definitions(options, names, what))


IMAGE = ComputationKind(ImageOptions, RETURNS, region=True, build=build_image_assets)


def ee_image_assets(*, base_dir: str | Path | None = None, **options: Any) -> dg.Definitions:
    """Assets for an image computation, from the same options as `EarthEngineImageComponent`'s YAML (grids,
    bands, visualization...); otherwise as `ee_table_assets`."""
    return IMAGE.from_keywords(base_dir, options)


@dg.scaffold_with(ImageScaffolder)
class EarthEngineImageComponent(ImageOptions, EarthEngineComponent):
    """An Earth Engine image computation (image:computePixels on one or more grids) as partitioned, checked assets.

    ```yaml
    type: ee_assets.EarthEngineImageComponent
    attributes:
      asset_key: ndwi
      graph: graph.py:ndwi                   # fn(start, end, [region], **params) -> ee.Image
      partitions: {monthly: {start: "2020-01-01"}}
      grids: {delta: {crs: "EPSG:32610", upper_left: [624030, 4213320], scale: 10, width: 400, height: 400}}
      visualization: {bands: [NDWI], min: -0.5, max: 0.5}
    ```
    """

    kind: ClassVar[ComputationKind] = IMAGE
