"""N client processes sharing one request budget against one local server, measured at the server.

Used by `test_request_budget.py` (a generous bound) and `benchmarks/request_budget.py` (the figures). Each process
runs the real transport (`shared_gate` + `EERestClient.compute_value`) on several threads until a common stop time;
the server records when each request arrives, so the rate is measured where EE would count it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLIENT = """
import json, os, sys, threading, time
from ee_assets.transport.auth import StaticTokenCredentials
from ee_assets.transport.rest import EERestClient, build_session
from ee_assets.transport.throttle import shared_gate
a = json.loads(sys.argv[1])
gate = shared_gate(a["url"], a["rate"], a["max_concurrent"], budget_url=a["budget_url"])
client = EERestClient(build_session(StaticTokenCredentials(os.environ["EE_BUDGET_TOKEN"]), refresh_on_401=False,
                                    pool_size=a["threads"]), a["url"], "budget", gate=gate)
sent = [0] * a["threads"]
def work(i):
    while time.time() < a["stop_at"]:
        client.compute_value(a["expression"])
        sent[i] += 1
while time.time() < a["start_at"]:
    time.sleep(0.005)
threads = [threading.Thread(target=work, args=(i,)) for i in range(a["threads"])]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"sent": sum(sent)}))
"""


@dataclass(frozen=True)
class BudgetRun:
    """What the server saw of one run."""

    requests: int
    seconds: float  # whole seconds measured, from the first arrival
    rate: float  # arrivals per second over those seconds
    busiest_second: int  # the most arrivals in any one-second window
    max_in_flight: int

    def summary(self) -> dict:
        return {"requests": self.requests, "seconds": self.seconds, "rate": round(self.rate, 2),
                "busiest_second": self.busiest_second, "max_in_flight": self.max_in_flight}


def measure(arrivals: list[float], max_in_flight: int) -> BudgetRun:
    """Rate over the whole seconds after the first arrival (a sliding-window limit fills each such second), and the
    busiest one-second window anywhere."""
    arrivals = sorted(arrivals)
    if len(arrivals) < 2:
        return BudgetRun(len(arrivals), 0.0, 0.0, len(arrivals), max_in_flight)
    whole = max(1, int(arrivals[-1] - arrivals[0]))
    counted = sum(1 for t in arrivals if t < arrivals[0] + whole)
    busiest, j = 0, 0
    for i, t in enumerate(arrivals):
        while arrivals[j] <= t - 1.0:
            j += 1
        busiest = max(busiest, i - j + 1)
    return BudgetRun(len(arrivals), float(whole), counted / whole, busiest, max_in_flight)


def run_clients(server, expression: dict, token: str, budget_url: str, *, processes: int, threads: int,
                rate: float, max_concurrent: int, seconds: float, pythonpath: str | None = None) -> BudgetRun:
    """Start `processes` clients with `threads` each, all on `budget_url`, for `seconds`; measure at `server`
    (a LocalServer used for this run only, so its in-flight maximum is this run's)."""
    env = {**os.environ, "EE_BUDGET_TOKEN": token}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    start_at = time.time() + 3.0 + 0.5 * processes  # after every process has imported the transport
    args = {"url": server.url, "expression": expression, "rate": rate, "max_concurrent": max_concurrent,
            "threads": threads, "budget_url": budget_url, "start_at": start_at, "stop_at": start_at + seconds}
    before = len(server.api_arrival_times)
    procs = [subprocess.Popen([sys.executable, "-c", CLIENT, json.dumps(args)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(processes)]
    try:
        for p in procs:
            _, err = p.communicate(timeout=seconds + 120)
            if p.returncode != 0:
                raise RuntimeError(f"a budget client failed:\n{err[-3000:]}")
    finally:
        for p in procs:
            p.kill()
    return measure(server.api_arrival_times[before:], server.max_in_flight)


def trivial_expression(url: str, token: str) -> dict:
    """A value:compute expression the server answers at once (1 + 1), serialized by the real client."""
    import ee

    from ee_assets.transport.auth import StaticTokenCredentials
    from ee_assets.transport.ee_client import initialize_ee
    from ee_assets.transport.expression import serialize

    initialize_ee(StaticTokenCredentials(token), url=url, project="budget", offline=True)
    try:
        return serialize(ee.Number(1).add(1))
    finally:
        ee.Reset()


def sqlite_url(folder: Path) -> str:
    return f"sqlite://{folder.absolute() / 'budget.sqlite'}"
