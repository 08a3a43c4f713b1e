"""The body of an `output: export` step: start the batch export (or re-attach to the one a killed run started),
poll it with backoff while logging progress, cancel it if the run is terminated, and fail with EE's error if the
task fails. What it produced is listed for the materialization and the checks."""

from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from ee_assets.components import export_records as records
from ee_assets.components.export_options import EXTENSIONS, ExportOptions
from ee_assets.defs.resources import EarthEngineResource
from ee_assets.storage.buckets import bucket_store, exported_objects
from ee_assets.transport import exports
from ee_assets.transport.expression import expression_hash
from ee_assets.transport.labels import RequestLabel
from ee_assets.transport.rest import EEError, EERequestError
from ee_assets.transport.stats import TransferStats

REATTACHABLE = frozenset({"PENDING", "RUNNING", "SUCCEEDED"})
MAX_GENERATIONS = 50


@dataclass(frozen=True)
class ExportOutcome:
    """A finished export: its operation, requestId, whether this step re-attached, and what it wrote."""

    status: exports.OperationStatus
    request_id: str
    reattached: bool
    uris: list[str]
    destination: str

    def metadata(self) -> dict:
        return {"operation": self.status.name, "request_id": self.request_id, "reattached": self.reattached,
                "state": self.status.state, "eecu_seconds": self.status.eecu_seconds,
                "destination": self.destination, "uris": self.uris}


def _reattachable(earth_engine: EarthEngineResource, context: dg.AssetExecutionContext, partition: str | None,
                  digest: str, destination: str, label: RequestLabel
                  ) -> tuple[list[records.StartedExport], tuple[records.StartedExport, exports.OperationStatus] | None]:
    started = records.started_exports(context.instance, context.asset_key, partition, digest, destination)
    if not started or started[0].operation in records.materialized_operations(context.instance, context.asset_key,
                                                                                 partition):
        return started, None
    last = started[0]
    try:
        status = exports.get_operation(earth_engine.connection.client, last.operation, label)
    except EERequestError as e:
        if e.http_status == 404:  # the server forgot it (a restarted local backend): start again
            return started, None
        raise
    return started, ((last, status) if status.state in REATTACHABLE else None)


def _start(earth_engine: EarthEngineResource, kind: str, body: dict, destination: str, generation: int,
           label: RequestLabel, stats: TransferStats) -> tuple[str, exports.OperationStatus]:
    """Start the export with the requestId of `generation`; a requestId whose task already ended FAILED or
    CANCELLED (started by a run this instance has no record of) moves on to the next generation."""
    for attempt in range(generation, generation + MAX_GENERATIONS):
        request_id = exports.request_id(earth_engine.connection.project, label, body["expression"], destination,
                                        attempt)
        status = exports.start_export(earth_engine.connection.client, kind, body, request_id, label, stats)
        if status.state not in ("FAILED", "CANCELLED"):
            return request_id, status
    raise dg.Failure(f"The last {MAX_GENERATIONS} exports to {destination} all failed or were cancelled; see "
                     "their errors in the Tasks list.", allow_retries=False)


def run_export(context: dg.AssetExecutionContext, earth_engine: EarthEngineResource, kind: str, body: dict,
               options: ExportOptions, target: dict[str, str], partition: str | None, label: RequestLabel,
               stats: TransferStats, extension: str | None = None, expected: list[str] | None = None
               ) -> ExportOutcome:
    """Run one export to `target` (see ExportOptions.target) to the end; dg.Failure with EE's message if it fails.

    `expected`: the URIs the export must have written (when the file layout is known), so files an earlier export
    with another layout left under the same prefix are not taken for this one's."""
    client = earth_engine.connection.client
    destination = options.target_uri(target)
    digest = expression_hash(body["expression"])
    try:
        started, attach = _reattachable(earth_engine, context, partition, digest, destination, label)
        if attach is not None:
            record, status = attach
            request_id = record.request_id
            context.log.info(f"Re-attaching to export {status.name} ({status.describe()}), started by run "
                             f"{record.run_id[:8]}: a killed or retried run's task is not started twice.")
        else:
            request_id, status = _start(earth_engine, kind, body, destination, len(started), label, stats)
            records.record_start(context, partition, status.name, request_id, digest, destination)
            context.log.info(f"Started export {status.name} to {destination} (requestId {request_id}).")
    except EEError as e:
        raise dg.Failure(f"Could not start the Earth Engine export to {destination}: {e}", allow_retries=False) \
            from None
    poll = exports.PollSettings(options.poll_seconds, options.max_poll_seconds)

    def report(s: exports.OperationStatus) -> None:
        context.log.info(f"Export {s.name.rsplit('/', 1)[-1]}: {s.describe()}")

    try:
        final = exports.wait_for(client, status.name, poll, report, label)
    except (dg.DagsterExecutionInterruptedError, KeyboardInterrupt):
        context.log.warning(f"The run was terminated: cancelling export {status.name}.")
        try:
            exports.cancel_operation(client, status.name, label)
        except EEError as e:
            context.log.error(f"Could not cancel export {status.name}: {e}; cancel it in the Code Editor's Tasks "
                              "tab or with `earthengine task cancel`.")
        raise
    except EEError as e:
        raise dg.Failure(f"Lost track of Earth Engine export {status.name} ({e}); rerun the step to re-attach to "
                         "it.", allow_retries=False) from None
    if final.state != "SUCCEEDED":
        raise dg.Failure(f"Earth Engine export {final.name} to {destination} ended {final.state}: "
                         f"{final.error or 'no message'} ({label.describe()}).", allow_retries=False,
                         metadata={"operation": final.name, "state": final.state})
    if "asset_id" in target:
        uris = [target["asset_id"]]
    else:
        local = earth_engine.exports_read_locally
        uris = exported_objects(lambda bucket: bucket_store(bucket, local), destination,
                                extension or EXTENSIONS["geotiff"])
        if expected is not None:
            missing = sorted(set(expected) - set(uris))
            if missing:
                raise dg.Failure(f"Earth Engine export {final.name} succeeded but {len(missing)} of its files are "
                                 f"missing (e.g. {missing[0]}); check the bucket.", allow_retries=False)
            uris = list(expected)
        if not uris:
            raise dg.Failure(f"Earth Engine export {final.name} succeeded but no file matches {destination}.*; "
                             "check the bucket and the destination prefix.", allow_retries=False)
    return ExportOutcome(final, request_id, attach is not None, uris, destination)
