"""One request budget across processes: the aggregate request rate measured at the server against the configured limit.

N client processes, each running the real transport (`shared_gate` + `EERestClient`) on several threads as fast as
the budget lets them, send `value:compute` requests to one local backend that records when each request arrives.
Contenders differ only in EE_RATE_LIMIT_URL: `memory://` (each process its own budget: the baseline, what the
transport did before), `sqlite://` (one budget per machine, the default) and `redis://` (one budget across machines;
a redis-server started here, skipped when Debian's redis-server is not installed). Every request waits an injected
latency at the server, so the in-flight cap matters too.

    .venv/bin/python benchmarks/request_budget.py [--processes 4] [--threads 4] [--rate 20] [--max-concurrent 4]
                                                  [--seconds 10] [--latency-ms 50]

Target: a shared budget's aggregate rate within 10% of the configured limit, and never more requests in flight
than the cap. Exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ee_assets.local import FaultConfig, LocalServer  # noqa: E402
from ee_assets.local.catalog.sample_data import build_sample_catalog  # noqa: E402
from ee_assets_tests.support.redis_server import redis_server, redis_server_binary  # noqa: E402
from ee_assets_tests.transport.budget_harness import run_clients, sqlite_url, trivial_expression  # noqa: E402

TOKEN = "benchmark-token"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4, help="request threads per process")
    parser.add_argument("--rate", type=float, default=20.0, help="max_requests_per_second")
    parser.add_argument("--max-concurrent", type=int, default=4, help="max_concurrent_requests")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    args = parser.parse_args()

    catalog = build_sample_catalog(log=lambda *a, **k: None)
    print(f"request budget: {args.processes} processes x {args.threads} threads, limit {args.rate:g} requests/s and "
          f"{args.max_concurrent} in flight, {args.seconds:g} s each, {args.latency_ms:g} ms latency per request, "
          f"{os.cpu_count()} cores")
    print(f"{'contender':<36} {'requests':>8} {'req/s':>7} {'vs limit':>9} {'busiest 1 s':>11} {'max in flight':>13}")
    rows, ok = [], True
    with tempfile.TemporaryDirectory() as tmp:
        contenders = [("memory:// (per process, baseline)", lambda: nullcontext("memory://")),
                      ("sqlite:// (this machine, default)", lambda: nullcontext(sqlite_url(Path(tmp))))]
        if redis_server_binary():
            contenders.append(("redis:// (across machines)", lambda: redis_server(Path(tmp) / "redis")))
        else:
            print("(redis:// skipped: redis-server is not installed)")
        for name, backend in contenders:
            with backend() as budget_url, LocalServer(catalog, token=TOKEN,
                                                      faults=FaultConfig(latency_ms=args.latency_ms)) as server:
                run = run_clients(server, trivial_expression(server.url, TOKEN), TOKEN, budget_url,
                                  processes=args.processes, threads=args.threads, rate=args.rate,
                                  max_concurrent=args.max_concurrent, seconds=args.seconds)
            ratio = run.rate / args.rate
            print(f"{name:<36} {run.requests:>8} {run.rate:>7.2f} {ratio:>8.2f}x {run.busiest_second:>11} "
                  f"{run.max_in_flight:>13}", flush=True)
            rows.append((name, run, ratio))
    print()
    for name, run, ratio in rows:
        if name.startswith("memory"):
            print(f"- [i] {name}: {ratio:.2f}x the limit ({args.processes} separate budgets)")
            continue
        within = abs(ratio - 1) <= 0.10
        capped = run.max_in_flight <= args.max_concurrent
        ok &= within and capped
        print(f"- [{'x' if within else ' '}] {name}: aggregate rate within 10% of the limit ({ratio:.3f}x)")
        print(f"- [{'x' if capped else ' '}] {name}: at most {args.max_concurrent} in flight ({run.max_in_flight})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
