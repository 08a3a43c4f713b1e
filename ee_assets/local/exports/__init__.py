"""Batch exports of the local backend: EE's image:export and table:export run as long-running operations.

A start call validates the request and queues a task (`service.ExportService`); a bounded pool of workers
(`pool.TaskPool`) evaluates the expression and streams the result into files under the bucket root
(`bucket.BucketRoot`: gs://BUCKET/PATH is DIR/BUCKET/PATH) — GeoTIFF shards tile by tile (`geotiff_writer`),
GeoJSON/CSV feature by feature (`table_writer`) — while `operations.OperationStore` keeps EE's Operation resource
(PENDING → RUNNING → SUCCEEDED / FAILED / CANCELLED, with progress) for get, list, cancel and wait.
"""

from ee_assets.local.exports.service import ExportService

__all__ = ["ExportService"]
