"""The export tasks a step started, as recorded in the Dagster instance's event log, so a re-executed run
re-attaches to the task of the run that was killed instead of starting another.

Starting a task logs an AssetObservation of the asset (and partition) with the operation's name, its requestId,
the expression's hash and the destination; a materialization made from a task names its operation too. A recorded
task no materialization has used yet is the one to re-attach to.
"""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

OPERATION = "ee_operation"
REQUEST_ID = "ee_request_id"
EXPRESSION = "expression_sha256"
DESTINATION = "export_destination"
LOOKBACK = 200  # recorded starts read per asset partition


@dataclass(frozen=True)
class StartedExport:
    """One recorded start: the operation and the requestId it was started with."""

    operation: str
    request_id: str
    run_id: str


def _plain(metadata: dict) -> dict:
    return {k: getattr(v, "value", v) for k, v in metadata.items()}


def started_exports(instance: dg.DagsterInstance, asset: dg.AssetKey, partition: str | None, expression: str,
                    destination: str) -> list[StartedExport]:
    """The recorded starts of exports of `expression` to `destination` for the asset partition, newest first."""
    records = instance.fetch_observations(
        dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[partition] if partition else None),
        limit=LOOKBACK).records
    found = []
    for record in records:
        observation = record.asset_observation
        meta = _plain(observation.metadata) if observation else {}
        if meta.get(EXPRESSION) == expression and meta.get(DESTINATION) == destination and meta.get(OPERATION):
            found.append(StartedExport(str(meta[OPERATION]), str(meta.get(REQUEST_ID, "")), record.run_id))
    return found


def materialized_operations(instance: dg.DagsterInstance, asset: dg.AssetKey, partition: str | None) -> set[str]:
    """Operations the asset partition's materializations were made from."""
    records = instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[partition] if partition else None),
        limit=LOOKBACK).records
    used: set[str] = set()
    for record in records:
        meta = _plain(record.asset_materialization.metadata) if record.asset_materialization else {}
        value = meta.get("ee_operations") or {}
        used.update(str(v) for v in (value.values() if isinstance(value, dict) else [value]))
    return used


def record_start(context: dg.AssetExecutionContext, partition: str | None, operation: str, request_id: str,
                 expression: str, destination: str) -> None:
    """Log the start in the event log (an observation of the asset partition)."""
    context.log_event(dg.AssetObservation(
        asset_key=context.asset_key, partition=partition,
        metadata={OPERATION: operation, REQUEST_ID: request_id, EXPRESSION: expression, DESTINATION: destination}))
