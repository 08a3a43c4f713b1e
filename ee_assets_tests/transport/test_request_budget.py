"""One request budget across processes: N client processes on one budget backend (SQLite on this machine, or a
real redis-server), each running the real transport on several threads, measured where EE would count: at the
server. The per-process budget (memory://) is measured too, to show the measurement sees the difference.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import portalocker
import pytest

from ee_assets.local import FaultConfig, LocalServer
from ee_assets.transport.budget import (
    RATE_LIMIT_ENV,
    FileSlots,
    RedisSlots,
    budget_key,
    default_budget_url,
    limiter_rates,
    parse_budget_url,
)
from ee_assets.transport.throttle import BudgetUnavailableError, RequestGate, SharedRequestGate, shared_gate
from ee_assets_tests.support.no_network import subprocess_pythonpath
from ee_assets_tests.support.redis_server import redis_server, redis_server_binary
from ee_assets_tests.transport.budget_harness import run_clients, sqlite_url, trivial_expression

TOKEN = "budget-token"
RATE, CAP = 10.0, 2

needs_redis = pytest.mark.skipif(redis_server_binary() is None, reason="redis-server is not installed (make test "
                                                                        "installs it)")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if redis_server_binary() is None:
        pytest.skip("redis-server is not installed (make test installs it)")
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("redis", marks=needs_redis), "memory"])
def test_processes_share_one_rate_and_one_in_flight_cap(backend, sample_catalog, tmp_path, request):
    budget_url = {"sqlite": lambda: sqlite_url(tmp_path), "memory": lambda: "memory://",
                  "redis": lambda: request.getfixturevalue("redis_url")}[backend]()
    # 150 ms per request: two slots carry about 13 requests/s, so nine threads keep both the rate and the slots busy.
    with LocalServer(sample_catalog, token=TOKEN, faults=FaultConfig(latency_ms=150)) as server:
        run = run_clients(server, trivial_expression(server.url, TOKEN), TOKEN, budget_url, processes=3, threads=3,
                          rate=RATE, max_concurrent=CAP, seconds=4.0,
                          pythonpath=subprocess_pythonpath(tmp_path / "guard"))
    if backend == "memory":  # each process has its own budget: three times the rate, three times the slots
        assert run.rate > 1.5 * RATE and run.max_in_flight > CAP, run
        return
    assert run.max_in_flight == CAP, run  # reached, never exceeded
    assert 0.5 * RATE <= run.rate <= 1.25 * RATE, run  # generous: benchmarks/request_budget.py measures it closely


KILLABLE_HOLDER = """
import sys, threading, time
from contextlib import ExitStack
kind, target, name, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if kind == "file":
    from pathlib import Path
    from ee_assets.transport.budget import FileSlots
    slots = FileSlots(Path(target), name, n)
else:
    import redis
    from ee_assets.transport.budget import RedisSlots
    slots = RedisSlots(redis.Redis.from_url(target), name, n, lease_s=float(sys.argv[5]))
stack = ExitStack()
for _ in range(n):
    stack.enter_context(slots.hold())
print("holding", flush=True)
time.sleep(600)
"""


def hold_all_then_kill(tmp_path, *args: str) -> None:
    env = {**os.environ, "PYTHONPATH": subprocess_pythonpath(tmp_path / "guard")}
    process = subprocess.Popen([sys.executable, "-c", KILLABLE_HOLDER, *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "holding", process.stderr.read()[-2000:]
        return process
    except BaseException:
        process.kill()
        raise


def test_a_crashed_process_frees_its_in_flight_slots_on_this_machine(tmp_path):
    folder, name = tmp_path / "slots", budget_key("http://127.0.0.1:1")
    process = hold_all_then_kill(tmp_path, "file", str(folder), name, "2")
    try:
        with pytest.raises(portalocker.AlreadyLocked):
            portalocker.BoundedSemaphore(2, name=name, directory=str(folder), timeout=0.3).acquire()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    taken = [portalocker.BoundedSemaphore(2, name=name, directory=str(folder), timeout=5) for _ in range(2)]
    for semaphore in taken:
        semaphore.acquire()  # both slots: the OS released the dead holder's locks
    for semaphore in taken:
        semaphore.release()
    with FileSlots(folder, name, 2).hold():
        pass


@needs_redis
def test_a_crashed_process_frees_its_redis_slots_when_the_lease_ends(tmp_path, redis_url):
    import redis

    name = budget_key("http://127.0.0.1:2")
    process = hold_all_then_kill(tmp_path, "redis", redis_url, name, "1", "1.5")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    client = redis.Redis.from_url(redis_url)
    assert client.zcard(f"{name}:in-flight") == 1  # the dead holder's lease is still there
    started = time.monotonic()
    with RedisSlots(client, name, 1).hold():
        waited = time.monotonic() - started
    assert 0.5 < waited < 10  # free once the 1.5 s lease ended, not before
    assert client.zcard(f"{name}:in-flight") == 0  # released on exit


def test_the_budget_backend_is_named_in_one_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert default_budget_url() == f"sqlite://{tmp_path}/cache/ee_assets/request-budget.sqlite"
    assert parse_budget_url(None).target == f"{tmp_path}/cache/ee_assets/request-budget.sqlite"
    assert parse_budget_url("redis://:s3cret@cache.internal:6380/2").describe() == "redis://cache.internal:6380/2"
    assert parse_budget_url("memory://").kind == "memory"
    with pytest.raises(ValueError) as caught:
        parse_budget_url("postgres://user:s3cret@db/x")
    assert "sqlite:///path" in str(caught.value) and "redis://" in str(caught.value)
    assert "s3cret" not in str(caught.value) and RATE_LIMIT_ENV in str(caught.value)
    with pytest.raises(ValueError, match="absolute"):
        parse_budget_url("sqlite://relative.sqlite")

    monkeypatch.setenv(RATE_LIMIT_ENV, "memory://")
    assert type(shared_gate("http://127.0.0.1:3", 5, 2)) is RequestGate
    monkeypatch.setenv(RATE_LIMIT_ENV, sqlite_url(tmp_path))
    gate = shared_gate("http://127.0.0.1:3", 5, 2)
    assert isinstance(gate, SharedRequestGate) and shared_gate("http://127.0.0.1:3/", 5, 2) is gate
    with gate.admit() as waited:
        assert waited >= 0


@pytest.mark.parametrize("rate, limit, interval_ms", [(20.0, 20, 1000), (7.9, 7, 1000), (0.5, 1, 2000),
                                                      (0.3, 1, 3334)])
def test_limiter_rates_never_exceed_the_budget(rate, limit, interval_ms):
    (r,) = limiter_rates(rate)
    assert (r.limit, r.interval) == (limit, interval_ms) and r.limit / r.interval * 1000 <= rate


def test_an_unreachable_budget_backend_fails_clearly_without_its_password():
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(BudgetUnavailableError) as caught:
        shared_gate("http://127.0.0.1:4", 5, 2, budget_url=f"redis://:s3cret@127.0.0.1:{port}/0")
    message = str(caught.value)
    assert f"redis://127.0.0.1:{port}/0" in message and RATE_LIMIT_ENV in message and "s3cret" not in message
