"""The local server's HTTP layer under load: throughput, a burst of clients, stalled connections, idle memory.

The server runs as `python -m ee_assets.local serve` in its own process (so its memory is its own); every request is a
tiny value:compute, so the figures are the HTTP layer's, not the evaluator's.

- sequential: requests per second from one keep-alive client;
- concurrent: requests per second from 8 keep-alive clients;
- burst: 200 clients, each on a new connection, released at once; how many got a 200;
- stalled: 300 connections that send half a request line and nothing more, then the time a normal request takes;
- idle RSS of the server after all that.

With `--compare-with REF` the same measures are taken, alternately, of a server run from that git commit (exported
to a temporary folder, run with this venv): the HTTP layer before and after a change, measured in the same run.

    .venv/bin/python benchmarks/server_http.py [--requests 500] [--compare-with COMMIT] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import tarfile
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from ee_assets.local.catalog.sample_data import build_sample_catalog
from ee_assets.local.server_process import ServerProcess

BODY = json.dumps({"expression": {"result": "0", "values": {"0": {"functionInvocationValue": {
    "functionName": "Number.add", "arguments": {"left": {"constantValue": 41}, "right": {"constantValue": 1}}}}}}})


def rate(server: ServerProcess, clients: int, total: int) -> float:
    """Requests per second over `total` requests from `clients` keep-alive sessions."""
    url = f"{server.url}/v1/projects/bench/value:compute"

    def run(n: int) -> None:
        with requests.Session() as s:
            for _ in range(n):
                r = s.post(url, data=BODY, headers=server.headers, timeout=60)
                assert r.status_code == 200, r.text

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, [total // clients] * clients))
    return total / (time.perf_counter() - started)


def burst(server: ServerProcess, clients: int = 200) -> dict[str, int]:
    """`clients` new connections released at once, one request each: outcome counts."""
    url = f"{server.url}/v1/projects/bench/value:compute"
    gate = threading.Barrier(clients)
    outcomes: dict[str, int] = {}
    lock = threading.Lock()

    def one(_) -> None:
        gate.wait()
        try:
            outcome = str(requests.post(url, data=BODY, headers={**server.headers, "Connection": "close"},
                                        timeout=120).status_code)
        except requests.exceptions.RequestException as e:
            outcome = type(e).__name__
        with lock:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(one, range(clients)))
    return outcomes


def stalled(server: ServerProcess, connections: int = 300) -> float | str:
    """Seconds a normal request takes while `connections` stalled connections are open (or why it failed)."""
    socks = []
    try:
        for _ in range(connections):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            s.sendall(b"POST /v1/projects/bench/value:compute HTTP/1.1\r\nHost: x\r\n")  # never finished
            socks.append(s)
        started = time.perf_counter()
        try:
            r = requests.post(f"{server.url}/v1/projects/bench/value:compute", data=BODY, headers=server.headers,
                              timeout=60)
        except requests.exceptions.RequestException as e:
            return type(e).__name__
        return time.perf_counter() - started if r.status_code == 200 else f"HTTP {r.status_code}"
    finally:
        for s in socks:
            s.close()


def measure(catalog: Path, source: Path | None, requests_: int) -> dict:
    """Every measure, of a server run from this checkout (source None) or from an exported tree."""
    with ServerProcess(catalog, source=source) as server:
        rate(server, 1, 50)  # warm-up
        baseline = server.rss()
        out = {"sequential": rate(server, 1, requests_), "concurrent": rate(server, 8, requests_),
               "burst": burst(server), "stalled": stalled(server)}
        time.sleep(1)
        out["rss"] = (baseline, server.rss())
    return out


def export(ref: str, folder: Path) -> Path:
    """The package tree of git commit `ref`, written under `folder`."""
    archive = folder / "src.tar"
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), ref, "ee_assets"], check=True,
                   cwd=Path(__file__).resolve().parents[1])
    with tarfile.open(archive) as tar:
        tar.extractall(folder / "src", filter="data")
    return folder / "src"


def report(name: str, runs: list[dict]) -> dict:
    seq = statistics.median(r["sequential"] for r in runs)
    con = statistics.median(r["concurrent"] for r in runs)
    answered = min(r["burst"].get("200", 0) for r in runs)
    stalled_ = [r["stalled"] for r in runs]
    shown = max(stalled_) if all(isinstance(x, float) for x in stalled_) else next(
        x for x in stalled_ if not isinstance(x, float))
    rss = max(r["rss"][1] for r in runs)
    print(f"{name:<28}{seq:>10.0f}{con:>12.0f}{answered:>10d}/200"
          f"{(f'{shown:.3f} s' if isinstance(shown, float) else shown):>16}{rss / 2**20:>10.0f}")
    return {"sequential": seq, "concurrent": con}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--compare-with", metavar="COMMIT", help="also measure a server run from this commit")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (medians are shown)")
    args = parser.parse_args()
    catalog = build_sample_catalog(log=lambda *a, **k: None)
    results: dict[str, list[dict]] = {"this checkout": []}
    with tempfile.TemporaryDirectory() as tmp:
        other = export(args.compare_with, Path(tmp)) if args.compare_with else None
        if other:
            results[f"commit {args.compare_with}"] = []
        for _ in range(args.rounds):
            if other:
                results[f"commit {args.compare_with}"].append(measure(catalog, other, args.requests))
            results["this checkout"].append(measure(catalog, None, args.requests))
    print(f"server HTTP layer: {args.requests} tiny value:compute requests per rate, median of {args.rounds} "
          f"alternating rounds; {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'server':<28}{'seq req/s':>10}{'8 clients':>12}{'burst 200':>14}{'300 stalled':>16}{'RSS MiB':>10}")
    figures = {name: report(name, runs) for name, runs in results.items()}
    if other:
        this, base = figures["this checkout"], figures[f"commit {args.compare_with}"]
        print(f"ratio this/commit: sequential {this['sequential'] / base['sequential']:.2f}x, "
              f"8 clients {this['concurrent'] / base['concurrent']:.2f}x")


if __name__ == "__main__":
    main()
