"""Optional automation from YAML: a job with a schedule, an automation condition, a freshness policy.

All are off unless configured, and a configured schedule ships stopped (turn it on in the UI, Automation).

```yaml
schedule: {cron: "0 6 5 * *", job: ndvi_monthly_job}   # the latest complete partition at each tick
automation: {on_cron: "0 6 5 * *"}                      # or let the automation sensor request it
freshness: {fail_window_hours: 800}                     # or {deadline_cron: "0 12 5 * *", lower_bound_hours: 600}
```
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import dagster as dg
from dagster._utils.schedules import is_valid_cron_string
from pydantic import AfterValidator, Field, model_validator

from ee_assets.components.options_base import StrictModel

if TYPE_CHECKING:  # what define_asset_job returns; not exported at dagster's top level
    from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

JOB_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _valid_cron(value: str) -> str:
    if not is_valid_cron_string(value):
        raise ValueError(f"{value!r} is not a cron expression (minute hour day-of-month month day-of-week), e.g. "
                         "'0 6 5 * *' for the 5th of each month at 06:00 UTC.")
    return value


Cron = Annotated[str, AfterValidator(_valid_cron)]


class ScheduleOptions(StrictModel):
    """A job over the assets (and what is downstream of them) and a schedule for it."""

    cron: Cron = Field(description="When to run (UTC); a partitioned asset gets its latest complete partition.")
    job: str | None = Field(default=None, pattern=JOB_NAME, description="The job's name; default <asset>_job.")
    include_downstream: bool = Field(default=True, description="The job also refreshes assets downstream.")
    running: bool = Field(default=False, description="Start the schedule running (default: stopped).")
    description: str | None = None


class AutomationOptions(StrictModel):
    """Declarative automation: request the assets when a cron tick has passed (the automation sensor must run)."""

    on_cron: Cron = Field(description="AutomationCondition.on_cron(...) for the expression and result assets.")

    def condition(self) -> dg.AutomationCondition:
        return dg.AutomationCondition.on_cron(self.on_cron)


class FreshnessOptions(StrictModel):
    """A freshness policy for the result asset: a time window, or a cron deadline."""

    fail_window_hours: float | None = Field(default=None, gt=0, description="Fail when older than this.")
    warn_window_hours: float | None = Field(default=None, gt=0, description="Warn when older than this.")
    deadline_cron: Cron | None = Field(default=None, description="Materialized by each tick of this cron...")
    lower_bound_hours: float | None = Field(default=None, gt=0, description="...within this many hours before.")

    @model_validator(mode="after")
    def _one_kind(self) -> FreshnessOptions:
        window = self.fail_window_hours is not None
        cron = self.deadline_cron is not None
        if window == cron:
            raise ValueError("give either fail_window_hours (and optionally warn_window_hours) or deadline_cron "
                             "with lower_bound_hours.")
        if cron and self.lower_bound_hours is None:
            raise ValueError("deadline_cron needs lower_bound_hours.")
        if window and self.lower_bound_hours is not None:
            raise ValueError("lower_bound_hours goes with deadline_cron, not fail_window_hours.")
        if cron and self.warn_window_hours is not None:
            raise ValueError("warn_window_hours goes with fail_window_hours, not deadline_cron.")
        if self.warn_window_hours is not None and self.warn_window_hours >= self.fail_window_hours:
            raise ValueError("warn_window_hours must be shorter than fail_window_hours.")
        try:
            self.policy()
        except Exception as e:  # Dagster's own checks (e.g. the bound longer than the cron's interval)
            raise ValueError(f"not a valid freshness policy: {e}") from None
        return self

    def policy(self) -> dg.FreshnessPolicy:
        if self.deadline_cron is not None:
            return dg.FreshnessPolicy.cron(deadline_cron=self.deadline_cron,
                                           lower_bound_delta=dt.timedelta(hours=self.lower_bound_hours))
        warn = dt.timedelta(hours=self.warn_window_hours) if self.warn_window_hours else None
        return dg.FreshnessPolicy.time_window(fail_window=dt.timedelta(hours=self.fail_window_hours),
                                              warn_window=warn)


def job_and_schedule(options: ScheduleOptions, default_job: str, assets: list[dg.AssetKey],
                     partitions_def: dg.PartitionsDefinition | None, what: str
                     ) -> tuple[UnresolvedAssetJobDefinition, dg.ScheduleDefinition]:
    """The job over `assets` (and downstream, if asked) and its schedule, which requests the latest complete
    partition at each tick (unpartitioned: a plain run)."""
    selection = dg.AssetSelection.assets(*assets)
    if options.include_downstream:
        selection = selection.downstream()
    name = options.job or default_job
    default_description = f"{what}, then what is downstream of it." if options.include_downstream else what
    job = dg.define_asset_job(name, selection=selection, description=options.description or default_description)
    status = dg.DefaultScheduleStatus.RUNNING if options.running else dg.DefaultScheduleStatus.STOPPED
    description = f"Runs {name} at '{options.cron}' (UTC)" + (
        " for the latest complete partition." if partitions_def else ".")

    @dg.schedule(name=f"{name}_schedule", cron_schedule=options.cron, job=job, default_status=status,
                 execution_timezone="UTC", description=description)
    def _schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        if partitions_def is None:
            return dg.RunRequest()
        keys = partitions_def.get_partition_keys(current_time=context.scheduled_execution_time)
        if not keys:
            return dg.SkipReason(f"No complete partition yet at {context.scheduled_execution_time}.")
        return dg.RunRequest(partition_key=keys[-1], run_key=keys[-1])

    return job, _schedule
