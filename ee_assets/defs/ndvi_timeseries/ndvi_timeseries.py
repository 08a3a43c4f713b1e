"""The NDVI time series: every ndvi_by_state month in the output store, as one tidy table (state, date, NDVI).

A plain Python asset downstream of the ndvi_by_state component (../ndvi_by_state/defs.yaml).
"""

import io

import dagster as dg
import geopandas as gpd
import pandas as pd

from ee_assets.components.previews import line_chart, markdown_image
from ee_assets.defs.storage import OutputStore

NAME = "ndvi_timeseries"
NDVI_RESULT = "ndvi_by_state"
NDVI_GROUP = "ndvi"
BAND = "NDVI"
OWNERS = ["team:earth-observation"]
CHART_STATES = ("California", "Iowa", "Maine", "Texas")
COLUMNS = ["state", "date", BAND]


def tidy_table(frames: list[gpd.GeoDataFrame]) -> pd.DataFrame:
    """(state, date, NDVI) rows with a value, sorted; `state` is NAME when the regions have one."""
    rows = []
    for frame in frames:
        state = frame["NAME"] if "NAME" in frame else frame["id"]
        rows.append(pd.DataFrame({"state": state.astype(str), "date": pd.to_datetime(frame["date"]),
                                  BAND: frame[BAND].astype(float)}))
    table = pd.concat(rows, ignore_index=True)
    return table.dropna(subset=[BAND]).sort_values(["state", "date"]).reset_index(drop=True)[COLUMNS]


def chart_states(table: pd.DataFrame) -> list[str]:
    """The preferred states present in the table, else the first few."""
    present = [s for s in CHART_STATES if s in set(table["state"])]
    return present or sorted(table["state"].unique())[: len(CHART_STATES)]


@dg.asset(
    name=NAME, group_name=NDVI_GROUP, owners=OWNERS, deps=[NDVI_RESULT], kinds={"parquet", "csv", "png"},
    code_version="1",
    description="NDVI per state and image date across every ndvi_by_state month in the output store: a tidy table "
                "(Parquet and CSV, rows without valid pixels dropped) and a line chart of a few states.",
)
def ndvi_timeseries(context: dg.AssetExecutionContext, output_store: OutputStore) -> dg.MaterializeResult:
    months = output_store.partition_keys(NDVI_RESULT, ".parquet")
    if not months:
        raise dg.Failure(f"No {NDVI_RESULT} outputs under {output_store.root_uri(NDVI_RESULT)}: materialize some "
                         f"{NDVI_RESULT} partitions first.", allow_retries=False)
    frames = [gpd.read_parquet(io.BytesIO(output_store.read_bytes(NDVI_RESULT, month, ".parquet")))
              for month in months]
    table = tidy_table(frames)
    dropped = sum(len(f) for f in frames) - len(table)

    shown = table[table["state"].isin(chart_states(table))]
    chart = line_chart(shown, "date", BAND, "state", f"NDVI, {months[0][:7]} to {months[-1][:7]}")
    with output_store.publication() as outputs:  # the three files replaced together
        parquet_path = outputs.write_with(output_store.key(NAME, None, ".parquet"),
                                          lambda tmp: table.to_parquet(tmp, index=False))
        csv_path = outputs.write_with(output_store.key(NAME, None, ".csv"),
                                      lambda tmp: table.to_csv(tmp, index=False, date_format="%Y-%m-%d"))
        chart_path = outputs.write_bytes(output_store.key(NAME, None, ".png"), chart)
        outputs.publish()
    context.log.info(f"{len(table)} rows from {len(months)} months ({months[0]} .. {months[-1]})")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": len(table),
        "dagster/column_schema": dg.TableSchema(columns=[dg.TableColumn("state", "string"),
                                                         dg.TableColumn("date", "date"),
                                                         dg.TableColumn(BAND, "float64")]),
        "months": dg.MetadataValue.json(months),
        "states": int(table["state"].nunique()),
        "rows_without_data": dropped,
        "dagster/uri": dg.MetadataValue.path(parquet_path),
        "parquet_path": dg.MetadataValue.path(parquet_path),
        "csv_path": dg.MetadataValue.path(csv_path),
        "chart_path": dg.MetadataValue.path(chart_path),
        "preview": markdown_image(chart, "NDVI time series"),
        "head": dg.MetadataValue.md(markdown_table(table.head(8))),
    })


def markdown_table(table: pd.DataFrame) -> str:
    """A small markdown table (dates as YYYY-MM-DD, numbers to 4 decimals)."""
    def cell(v: object) -> str:
        if isinstance(v, pd.Timestamp):
            return v.strftime("%Y-%m-%d")
        return f"{v:.4f}" if isinstance(v, float) else str(v)

    lines = ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)
