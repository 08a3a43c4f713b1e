"""Monthly partitions from 2020-01: each partition is one calendar month [start, end)."""

from __future__ import annotations

import dagster as dg

FIRST_MONTH = "2020-01-01"
DATE_FORMAT = "%Y-%m-%d"

monthly_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH)


def month_window(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[str, str]:
    """The run's partition as ISO dates (start inclusive, end exclusive), as EE's filterDate takes them."""
    window = context.partition_time_window
    return window.start.strftime(DATE_FORMAT), window.end.strftime(DATE_FORMAT)
