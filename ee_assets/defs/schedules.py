"""Jobs and schedules: one per partitioned asset group, each materializing the latest complete month.

The schedules run on the 5th at 06:00 UTC, so the month has ended a few days before (EE ingests new scenes
with some delay). They ship stopped: turn them on in the UI or with `dagster schedule start`.
"""

from typing import TYPE_CHECKING

import dagster as dg

from ee_assets.defs.assets.composite import GROUP as COMPOSITE_GROUP
from ee_assets.defs.assets.ndvi import GROUP as NDVI_GROUP

if TYPE_CHECKING:  # what define_asset_job returns; not exported at dagster's top level
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

DAY_OF_MONTH = 5
HOUR_OF_DAY = 6

ndvi_monthly_job = dg.define_asset_job(
    "ndvi_monthly_job", selection=dg.AssetSelection.groups(NDVI_GROUP),
    description="NDVI by state for one month (expression, result and checks), then the refreshed time series.",
)
s2_composite_monthly_job = dg.define_asset_job(
    "s2_composite_monthly_job", selection=dg.AssetSelection.groups(COMPOSITE_GROUP),
    description="Sentinel-2 composites of every AOI for one month (expressions, results and checks).",
)


def _monthly(job: "UnresolvedAssetJobDefinition") -> dg.ScheduleDefinition:
    return dg.build_schedule_from_partitioned_job(
        job, day_of_month=DAY_OF_MONTH, hour_of_day=HOUR_OF_DAY, default_status=dg.DefaultScheduleStatus.STOPPED,
        description=f"The month that ended {DAY_OF_MONTH - 1} days earlier, on day {DAY_OF_MONTH} at "
                    f"{HOUR_OF_DAY:02d}:00 UTC.",
    )


ndvi_monthly_schedule = _monthly(ndvi_monthly_job)
s2_composite_monthly_schedule = _monthly(s2_composite_monthly_job)

ALL_JOBS = [ndvi_monthly_job, s2_composite_monthly_job]
ALL_SCHEDULES = [ndvi_monthly_schedule, s2_composite_monthly_schedule]
