"""NDVI by state, per month: the stored expression and its computeFeatures result (GeoJSON + GeoParquet)."""


import json

import dagster as dg
import geopandas as gpd

from ee_assets.defs.assets import OWNERS
from ee_assets.defs.config import NdviConfig, NdviSettings, load_settings
from ee_assets.defs.expression_files import read_expression, write_expression
from ee_assets.defs.partitions import month_window, monthly_partitions
from ee_assets.defs.previews import choropleth, markdown_image
from ee_assets.defs.resources import EarthEngineResource, request_label
from ee_assets.defs.storage import OutputStore, write_atomic, write_bytes_atomic
from ee_assets.graphs.ndvi import ndvi_by_region, window_counts
from ee_assets.transport.expression import expression_hash, serialize
from ee_assets.transport.stats import TransferStats

GROUP = "ndvi"
EXPRESSION = "ndvi_by_state_expression"
RESULT = "ndvi_by_state"
BAND = "NDVI"


def _graph_args(settings: NdviSettings) -> dict:
    return {"regions_id": settings.regions, "collection_id": settings.collection,
            "region_filter": settings.region_filter}


@dg.asset(
    name=EXPRESSION, partitions_def=monthly_partitions, group_name=GROUP, owners=OWNERS,
    kinds={"earthengine", "json"}, code_version="1",
    description="The NDVI-by-state computation for the month as an EE expression: the exact JSON body POSTed "
                "to table:computeFeatures. Its sha256 is the data version.",
)
def ndvi_by_state_expression(context: dg.AssetExecutionContext, config: NdviConfig,
                             earth_engine: EarthEngineResource, output_store: OutputStore) -> dg.MaterializeResult:
    start, end = month_window(context)
    settings = config.resolve(load_settings())
    expression = serialize(ndvi_by_region(start, end, **_graph_args(settings)))
    metadata = write_expression(output_store.path(EXPRESSION, context.partition_key, ".json"), expression)
    return dg.MaterializeResult(
        metadata={**metadata, "regions": settings.regions, "collection": settings.collection,
                  "region_filter": str(settings.region_filter or "all"), "window": f"[{start}, {end})"},
        data_version=dg.DataVersion(expression_hash(expression)),
    )


def features_frame(collection: dict) -> gpd.GeoDataFrame:
    """The FeatureCollection as a GeoDataFrame: feature id, region key, properties and geometry."""
    features = collection["features"]
    frame = gpd.GeoDataFrame.from_features(features, crs="EPSG:4326")
    ids = [f.get("id", "") for f in features]
    frame.insert(0, "id", ids)
    # reduceRegions ids are "<image index>_<region id>": the region id identifies a region across images.
    frame.insert(1, "region_id", [i.removeprefix(f"{f['properties'].get('image_id')}_")
                                  for i, f in zip(ids, features, strict=True)])
    return frame


def column_schema(frame: gpd.GeoDataFrame) -> dg.TableSchema:
    return dg.TableSchema(columns=[dg.TableColumn(str(name), str(dtype)) for name, dtype in frame.dtypes.items()])


def monthly_mean_map(frame: gpd.GeoDataFrame, month: str) -> bytes:
    """Choropleth of each region's mean NDVI over the month's images."""
    means = frame.groupby("region_id")[BAND].mean()
    regions = frame.drop_duplicates("region_id").set_index("region_id")[["geometry"]]
    regions[BAND] = means
    return choropleth(gpd.GeoDataFrame(regions, geometry="geometry", crs=frame.crs), BAND, f"Mean NDVI, {month}")


@dg.asset(
    name=RESULT, partitions_def=monthly_partitions, group_name=GROUP, owners=OWNERS, deps=[EXPRESSION],
    kinds={"earthengine", "geojson", "parquet"}, code_version="1", pool="earth_engine",
    description="Mean NDVI per state for every MODIS image starting in the month (rows tagged with date and "
                "image_id): the GeoJSON exactly as computeFeatures returned it, all pages, plus a GeoParquet copy.",
)
def ndvi_by_state(context: dg.AssetExecutionContext, config: NdviConfig, earth_engine: EarthEngineResource,
                  output_store: OutputStore) -> dg.MaterializeResult:
    start, end = month_window(context)
    partition = context.partition_key
    expression = read_expression(output_store.path(EXPRESSION, partition, ".json"), EXPRESSION, partition)
    # The expected row count comes from the same settings the expression was built from (config file and run
    # config); if they changed in between, the feature-count check flags the mismatch.
    settings = config.resolve(load_settings())
    stats, label = TransferStats(), request_label(context)
    counts = earth_engine.compute_value(serialize(window_counts(start, end, **_graph_args(settings))), stats, label)
    if counts["regions"] == 0:
        raise dg.Failure(f"{settings.regions} has no regions matching {settings.region_filter}; fix the region "
                         "filter in the AOI config or the run config.", allow_retries=False)
    if counts["images"] == 0:
        raise dg.Failure(f"{settings.collection} has no images starting in [{start}, {end}), so there is nothing "
                         "to reduce for this month (the local sample data has MODIS for 2020-2021 only).",
                         allow_retries=False)
    collection = earth_engine.compute_features(expression, stats, label)
    frame = features_frame(collection)
    preview = markdown_image(monthly_mean_map(frame, start[:7]), f"NDVI by state {start[:7]}") \
        if BAND in frame else None

    # Everything is computed: only now replace the previous files.
    geojson_path = output_store.path(RESULT, partition, ".geojson")
    parquet_path = output_store.path(RESULT, partition, ".parquet")
    write_bytes_atomic(geojson_path, json.dumps(collection, separators=(",", ":")).encode() + b"\n")
    write_atomic(parquet_path, lambda tmp: frame.to_parquet(tmp, index=False))

    null_ndvi = int(frame[BAND].isna().sum()) if BAND in frame else len(frame)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(frame),
        "dagster/column_schema": column_schema(frame),
        "region_count": counts["regions"],
        "image_count": counts["images"],
        "null_ndvi_count": null_ndvi,
        "dates": dg.MetadataValue.json(sorted(frame["date"].unique().tolist()) if "date" in frame else []),
        **stats.to_metadata(),
        "expression_sha256": expression_hash(expression),
        "geojson_path": dg.MetadataValue.path(str(geojson_path)),
        "parquet_path": dg.MetadataValue.path(str(parquet_path)),
        **({"preview": preview} if preview else {}),
        **earth_engine.describe(),
    })
