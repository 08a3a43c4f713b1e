"""The local server's HTTP layer under load: throughput, a burst of clients, stalled connections, idle memory.

The server runs as `python -m ee_assets.local serve` in its own process (so its memory is its own); every request is a
tiny value:compute, so the figures are the HTTP layer's, not the evaluator's.

- sequential: requests per second from one keep-alive client;
- concurrent: requests per second from 8 keep-alive clients;
- burst: 200 clients, each on a new connection, released at once; how many got a 200;
- stalled: 300 connections that send half a request line and nothing more, then the time a normal request takes;
- idle RSS of the server after all that.

    .venv/bin/python benchmarks/server_http.py [--requests 500]
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    args = parser.parse_args()
    catalog = build_sample_catalog(log=lambda *a, **k: None)
    with ServerProcess(catalog) as server:
        rate(server, 1, 50)  # warm-up
        baseline = server.rss()
        sequential = rate(server, 1, args.requests)
        concurrent = rate(server, 8, args.requests)
        outcomes = burst(server)
        waited = stalled(server)
        time.sleep(1)
        idle = server.rss()
    print(f"server HTTP layer: {args.requests} tiny value:compute requests per rate")
    print(f"{'measure':<44}{'value':>14}")
    print(f"{'sequential, 1 keep-alive client (req/s)':<44}{sequential:>14.0f}")
    print(f"{'concurrent, 8 keep-alive clients (req/s)':<44}{concurrent:>14.0f}")
    print(f"{'burst of 200 new connections: answered 200':<44}{outcomes.get('200', 0):>14d}  {outcomes}")
    shown = f"{waited:.3f} s" if isinstance(waited, float) else waited
    print(f"{'normal request with 300 stalled connections':<44}{shown:>14}")
    print(f"{'RSS after warm-up / at the end (MiB)':<44}{baseline / 2**20:>7.0f} / {idle / 2**20:.0f}")


if __name__ == "__main__":
    main()
