"""Table computations: an expression asset (the exact request body) and a result asset (table:computeFeatures
over all pages, written as the GeoJSON exactly as returned plus a GeoParquet copy), with checks and a preview.

`ee_table_assets(...)` builds them from keyword arguments; `EarthEngineTableComponent` from a defs.yaml. Both take
the options of `TableOptions`.
"""

import json
from pathlib import Path
from typing import Any, ClassVar

import dagster as dg
import ee
import geopandas as gpd
import pandas as pd

from ee_assets.components.checks import GEOJSON, table_checks
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
from ee_assets.components.export_outputs import export_table
from ee_assets.components.expression_files import read_expression, write_expression
from ee_assets.components.options import TableOptions
from ee_assets.components.previews import choropleth, markdown_image
from ee_assets.components.scaffold import TableScaffolder
from ee_assets.defs.resources import EarthEngineResource, request_label
from ee_assets.defs.storage import OutputStore
from ee_assets.transport.expression import expression_hash
from ee_assets.transport.stats import TransferStats

PARQUET = ".parquet"
RETURNS = (ee.FeatureCollection,)


def features_frame(collection: dict) -> gpd.GeoDataFrame:
    """The FeatureCollection as a GeoDataFrame: the feature id, then the properties and the geometry."""
    features = collection.get("features") or []
    if not features:
        return gpd.GeoDataFrame({"id": pd.Series([], dtype=str)}, geometry=gpd.GeoSeries([]), crs="EPSG:4326")
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    frame.insert(0, "id", [f.get("id", "") for f in features])
    return frame


def column_schema(frame: pd.DataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(str(name), str(dtype)) for name, dtype in frame.dtypes.items()])


def region_map(frame: gpd.GeoDataFrame, column: str, label: str, cmap: str) -> bytes | None:
    """Choropleth of `column`, averaged over the rows of each region (rows with the same geometry)."""
    if column not in frame or frame.empty:
        return None
    values = pd.to_numeric(frame[column], errors="coerce")
    keyed = gpd.GeoDataFrame({"key": frame.geometry.to_wkb(), "value": values}, geometry=frame.geometry,
                             crs=frame.crs)
    regions = keyed.drop_duplicates("key").set_index("key")[["geometry"]]
    regions[column] = keyed.groupby("key")["value"].mean()
    title = f"Mean {column}, {label}" if len(regions) < len(keyed) else f"{column}, {label}"
    return choropleth(gpd.GeoDataFrame(regions, geometry="geometry", crs=frame.crs), column, title, cmap)


def preview_label(partition: str | None, options: TableOptions, names: AssetNames) -> str:
    if partition is None:
        return names.result.to_user_string()
    return partition[:7] if options.partitions and options.partitions.kind == "monthly" else partition


def build_table_assets(options: TableOptions, functions: Functions) -> dg.Definitions:
    """The expression and result assets, their checks, and the optional job and schedule."""
    names = AssetNames.of(options.asset_key)
    attributes = common_attributes(options, names, functions)
    partitions = attributes["partitions_def"]
    what = options.description or f"{names.result.to_user_string()}: {functions.graph.ref} via table:computeFeatures"

    @dg.asset(key=names.expression, kinds={"earthengine", "json"}, **attributes,
              description=f"The computation of {names.result.to_user_string()} as an EE expression "
                          f"({functions.graph.ref}): the exact JSON body POSTed to table:computeFeatures. Its "
                          "sha256 is the data version.")
    def expression_asset(context: dg.AssetExecutionContext, earth_engine: EarthEngineResource,
                         output_store: OutputStore) -> dg.MaterializeResult:
        span = run_window(context, options)
        earth_engine.connection  # noqa: B018 - initializes the ee client the graph is built with
        expression = call_graph(functions, options, span)
        with output_store.publication() as outputs:
            metadata = write_expression(outputs, names.expression_folder, partition_key(context), expression)
            outputs.publish()
        return dg.MaterializeResult(metadata={**metadata, **graph_metadata(options, functions, span)},
                                    data_version=dg.DataVersion(expression_hash(expression)))

    file_kinds = {options.export.format or "geojson"} if options.exporting else {"geojson", "parquet"}

    @dg.asset(key=names.result, deps=[names.expression], pool=options.pool,
              kinds={"earthengine", *file_kinds, *options.kinds},
              freshness_policy=options.freshness.policy() if options.freshness else None,
              description=options.description or f"{functions.graph.ref} computed with table:computeFeatures "
                                                  "(all pages): the GeoJSON exactly as returned, plus a GeoParquet "
                                                  "copy.",
              **attributes)
    def result_asset(context: dg.AssetExecutionContext, earth_engine: EarthEngineResource,
                     output_store: OutputStore) -> dg.MaterializeResult:
        partition, span = partition_key(context), run_window(context, options)
        expression = read_expression(output_store, names.expression_folder, partition)
        stats, label = TransferStats(), request_label(context)
        counts = evaluate_counts(earth_engine, functions, options, span, stats, label)
        if options.exporting:  # a batch export writes the files; the checks read them there
            exported = export_table(context, earth_engine, options.export, names.result_folder, partition,
                                    expression, stats, label)
            return dg.MaterializeResult(metadata={
                **exported, **({"counts": dg.MetadataValue.json(counts), **counts} if functions.counts else {}),
                **stats.to_metadata(), "expression_sha256": expression_hash(expression), **earth_engine.describe()})
        collection = earth_engine.compute_features(expression, stats, label)
        frame = features_frame(collection)
        preview = None
        if options.preview:
            picture = region_map(frame, options.preview.column, preview_label(partition, options, names),
                                 options.preview.colormap)
            if picture is None:
                context.log.warning(f"No preview: the result has no column {options.preview.column!r}.")
            else:
                preview = markdown_image(picture, f"{names.result.to_user_string()} {partition or ''}".strip())

        # Everything is computed: stage both files, and only then replace the previous ones together.
        body = json.dumps(collection, separators=(",", ":")).encode() + b"\n"
        with output_store.publication() as outputs:
            geojson = outputs.write_bytes(output_store.key(names.result_folder, partition, GEOJSON), body)
            parquet = outputs.write_with(output_store.key(names.result_folder, partition, PARQUET),
                                         lambda tmp: frame.to_parquet(tmp, index=False))
            outputs.publish()
        nulls = {f"null_{column.lower()}_count": int(frame[column].isna().sum()) if column in frame else len(frame)
                 for column in options.checks.ranges}
        return dg.MaterializeResult(metadata={
            "dagster/row_count": len(frame),
            "dagster/column_schema": column_schema(frame),
            "dagster/uri": dg.MetadataValue.path(geojson),
            **({"counts": dg.MetadataValue.json(counts), **counts} if functions.counts else {}),
            **nulls,
            **stats.to_metadata(),
            "expression_sha256": expression_hash(expression),
            "geojson_path": dg.MetadataValue.path(geojson),
            "parquet_path": dg.MetadataValue.path(parquet),
            **({"preview": preview} if preview else {}),
            **earth_engine.describe(),
        })

    counts_ref = functions.counts.ref if functions.counts else None
    return dg.Definitions(assets=[expression_asset, result_asset],
                          asset_checks=table_checks(options, names, partitions, counts_ref),
                          **automation_definitions(options, names, what))


TABLE = ComputationKind(TableOptions, RETURNS, region=False, build=build_table_assets)


def ee_table_assets(*, base_dir: str | Path | None = None, **options: Any) -> dg.Definitions:
    """Assets for a table computation, from the same options as `EarthEngineTableComponent`'s YAML.

    `graph` (and `counts`) may be a function or a 'module:function' / 'file.py:function' string (files are found
    in `base_dir`). Returns Definitions with the expression and result assets, their checks, and the job and
    schedule when `schedule` is given; resources `earth_engine` and `output_store` come from the code location.
    Invalid options raise a ValueError naming the option.
    """
    return TABLE.from_keywords(base_dir, options)


@dg.scaffold_with(TableScaffolder)
class EarthEngineTableComponent(TableOptions, EarthEngineComponent):
    """An Earth Engine table computation (table:computeFeatures) as partitioned, checked Dagster assets.

    ```yaml
    type: ee_assets.EarthEngineTableComponent
    attributes:
      asset_key: evi_max_by_state            # the expression asset is evi_max_by_state_expression
      graph: graph.py:evi_max                # fn(start, end, **params) -> ee.FeatureCollection
      params: {regions: TIGER/2018/States}
      partitions: {monthly: {start: "2020-01-01"}}
    ```
    """

    kind: ClassVar[ComputationKind] = TABLE
