"""The code location: `dagster dev -w workspace.yaml` (or `dagster ... -m ee_assets.definitions`) loads `defs`."""

import dagster as dg

from ee_assets.defs.assets.composite import s2_composite, s2_composite_expression
from ee_assets.defs.assets.ndvi import ndvi_by_state, ndvi_by_state_expression
from ee_assets.defs.assets.timeseries import ndvi_timeseries
from ee_assets.defs.checks import ALL_CHECKS
from ee_assets.defs.resources import EarthEngineResource
from ee_assets.defs.schedules import ALL_JOBS, ALL_SCHEDULES
from ee_assets.defs.storage import OutputStore

defs = dg.Definitions(
    assets=[ndvi_by_state_expression, ndvi_by_state, ndvi_timeseries, s2_composite_expression, s2_composite],
    asset_checks=ALL_CHECKS,
    jobs=ALL_JOBS,
    schedules=ALL_SCHEDULES,
    resources={"earth_engine": EarthEngineResource(), "output_store": OutputStore()},
)
