"""`python -m ee_assets.local serve | sample-data | algorithms`."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

from ee_assets.local.algorithms import implemented
from ee_assets.local.catalog.catalog import CatalogError
from ee_assets.local.catalog.sample_data import build_sample_catalog
from ee_assets.local.protocol.faults import FaultConfig
from ee_assets.local.protocol.server_limits import ServerLimits, parse_size
from ee_assets.local.server import LocalServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ee_assets.local",
                                     description="The ee_assets local Earth Engine-compatible backend.")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the EE REST server in the foreground")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--catalog", help="catalog YAML (default: $EE_LOCAL_CATALOG, else the sample catalog)")
    serve.add_argument("--token", help="require 'Authorization: Bearer TOKEN' on every request")
    serve.add_argument("--service-account-key", action="append", default=[], metavar="FILE",
                       help="accept JWT-bearer token requests signed with this key (repeatable)")
    serve.add_argument("--fault-rate", type=float, default=0.0, help="fraction of requests answered 429/503")
    serve.add_argument("--fault-codes", default="429,503")
    serve.add_argument("--latency-ms", type=float, default=0.0)
    serve.add_argument("--drop-rate", type=float, default=0.0, help="fraction of connections dropped mid-response")
    serve.add_argument("--seed", type=int, default=0)
    serve.add_argument("--max-request-memory", default="1g", metavar="SIZE",
                       help="memory one request may use, e.g. 512m or 2g (default 1g); more: 'User memory limit "
                            "exceeded'")
    serve.add_argument("--request-timeout", type=float, default=300.0, metavar="SECONDS",
                       help="time one request may compute (default 300); more: 'Computation timed out'")
    serve.add_argument("--workers", type=int, default=4, help="requests evaluated at once (default 4)")
    serve.add_argument("--queue", type=int, default=32,
                       help="more requests admitted to wait for a worker (default 32); the rest wait unread")
    serve.add_argument("--geotiff-mask", choices=("internal", "nodata"), default="internal",
                       help="how GeoTIFFs mark masked pixels: an internal GDAL mask (default), or fill values and "
                            "a nodata tag, as Earth Engine writes them")
    serve.add_argument("--bucket-root", metavar="DIR",
                       help="where exports to gs://BUCKET/PATH are written: DIR/BUCKET/PATH (default: "
                            "$EE_LOCAL_BUCKET_ROOT, else ~/.cache/ee_assets/buckets)")
    serve.add_argument("--export-workers", type=int, default=2, help="batch export tasks run at once")
    serve.add_argument("--max-queued-exports", type=int, default=3000,
                       help="export tasks that may wait; more are refused with EE's 'Too many tasks' error")
    serve.add_argument("--task-failure-rate", type=float, default=0.0,
                       help="fraction of export tasks that end FAILED (seeded)")
    serve.add_argument("--task-delay-s", type=float, default=0.0,
                       help="seconds each export task spends RUNNING before its work (a slow task)")
    data = sub.add_parser("sample-data", help="build the sample catalog and print its path")
    data.add_argument("--out", help="folder (default: $EE_ASSETS_SAMPLE_DIR or ~/.cache/ee_assets/…)")
    data.add_argument("--force", action="store_true", help="rebuild even if a complete copy exists")
    sub.add_parser("algorithms", help="list the implemented EE algorithms")
    args = parser.parse_args(argv)

    if args.command == "sample-data":
        path = build_sample_catalog(Path(args.out) if args.out else None, force=args.force,
                                    log=lambda msg: print(msg, file=sys.stderr))
        print(path)
        return 0
    if args.command == "algorithms":
        algs = implemented()
        for name, alg in algs.items():
            print(f"{name:45s} -> {alg.returns}")
        print(f"{len(algs)} algorithms implemented", file=sys.stderr)
        return 0

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        faults = FaultConfig(rate=args.fault_rate, codes=tuple(int(c) for c in args.fault_codes.split(",") if c),
                             latency_ms=args.latency_ms, drop_rate=args.drop_rate, seed=args.seed,
                             task_failure_rate=args.task_failure_rate, task_delay_s=args.task_delay_s)
        limits = ServerLimits(max_request_memory=parse_size(args.max_request_memory),
                              request_timeout_s=args.request_timeout, workers=args.workers, queue=args.queue)
        server = LocalServer(args.catalog, host=args.host, port=args.port, token=args.token, faults=faults,
                             service_account_keys=args.service_account_key, limits=limits,
                             geotiff_mask=args.geotiff_mask, bucket_root=args.bucket_root,
                             export_workers=args.export_workers, max_queued_exports=args.max_queued_exports)
    except (ValueError, OSError, KeyError, CatalogError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    public = " and the public Earth Engine datasets (synthetic)" if server.catalog.public else ""
    print(f"ee_assets local backend serving {len(server.catalog.assets)} assets{public} at {server.url}",
          file=sys.stderr)
    print(f"  exports to gs://BUCKET/PATH are written to {server.bucket_root}/BUCKET/PATH", file=sys.stderr)
    print(f"  ee.Initialize(credentials, url='{server.url}', project='local')", file=sys.stderr)
    _stop_on_sigterm()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop_on_sigterm() -> None:
    """Stop cleanly on SIGTERM or SIGINT, whatever signal state this process inherited (a blocked or ignored
    signal survives fork and exec, so a parent's state would otherwise make the server unkillable but by SIGKILL)."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)


if __name__ == "__main__":
    sys.exit(main())
