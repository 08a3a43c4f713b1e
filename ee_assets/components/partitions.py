"""Time partitions from YAML (`partitions: {monthly: {start: "2020-01-01"}}`) and each partition's window.

Every kind keys its partitions by the window's first day (`2020-06-01`), and a window is `[start, end)` as ISO
dates, the way EE's `filterDate` takes them. Windows begin on the start date: a monthly start must be the first
of a month, a yearly one the first of January, and weekly windows begin on the start date's weekday.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import dagster as dg
from pydantic import Field, model_validator

from ee_assets.components.options_base import StrictModel

DATE_FORMAT = "%Y-%m-%d"
ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
KINDS = ("monthly", "daily", "weekly", "yearly")
Kind = Literal["monthly", "daily", "weekly", "yearly"]


class PeriodOptions(StrictModel):
    """When the partitions begin (and optionally end)."""

    start: str = Field(pattern=ISO_DATE, description="First day of the first partition, e.g. '2020-01-01'.")
    end: str | None = Field(default=None, pattern=ISO_DATE,
                            description="Day after the last partition (exclusive); unset: up to the last "
                                        "complete period.")

    def start_date(self) -> dt.date:
        return dt.date.fromisoformat(self.start)

    @model_validator(mode="after")
    def _dates(self) -> PeriodOptions:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None:
                try:
                    dt.date.fromisoformat(value)
                except ValueError as e:
                    raise ValueError(f"{name} {value!r} is not a date ({e}).") from None
        if self.end is not None and self.end <= self.start:
            raise ValueError(f"end {self.end} must come after start {self.start}.")
        return self


class PartitionsOptions(StrictModel):
    """Exactly one of monthly, daily, weekly or yearly."""

    monthly: PeriodOptions | None = None
    daily: PeriodOptions | None = None
    weekly: PeriodOptions | None = None
    yearly: PeriodOptions | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PartitionsOptions:
        given = [k for k in KINDS if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of {', '.join(KINDS)} (got {', '.join(given) or 'none'}), "
                             "e.g. partitions: {monthly: {start: '2020-01-01'}}.")
        kind, period = given[0], getattr(self, given[0])
        start = period.start_date()
        if kind == "monthly" and start.day != 1:
            raise ValueError(f"monthly.start {period.start} must be the first day of a month.")
        if kind == "yearly" and (start.month, start.day) != (1, 1):
            raise ValueError(f"yearly.start {period.start} must be the first of January.")
        return self

    @property
    def kind(self) -> Kind:
        return next(k for k in KINDS if getattr(self, k) is not None)

    @property
    def period(self) -> PeriodOptions:
        return getattr(self, self.kind)

    def definition(self) -> dg.TimeWindowPartitionsDefinition:
        """The Dagster partitions: keys are each window's first day, YYYY-MM-DD, in UTC."""
        period, start = self.period, self.period.start
        common = {"end_date": period.end, "fmt": DATE_FORMAT}
        if self.kind == "monthly":
            return dg.MonthlyPartitionsDefinition(start_date=start, **common)
        if self.kind == "daily":
            return dg.DailyPartitionsDefinition(start_date=start, **common)
        if self.kind == "weekly":  # Dagster counts weekdays from Sunday (0); Python's isoweekday has Sunday = 7
            return dg.WeeklyPartitionsDefinition(start_date=start, day_offset=period.start_date().isoweekday() % 7,
                                                 **common)
        return dg.TimeWindowPartitionsDefinition(start=start, end=period.end, fmt=DATE_FORMAT,
                                                 cron_schedule="0 0 1 1 *")


def window(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[str, str]:
    """The run's partition as ISO dates (start inclusive, end exclusive), as EE's filterDate takes them."""
    time_window = context.partition_time_window
    return time_window.start.strftime(DATE_FORMAT), time_window.end.strftime(DATE_FORMAT)
