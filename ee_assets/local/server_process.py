"""The local backend in a child process (`python -m ee_assets.local serve`), with its memory read from /proc.

Tests and benchmarks that measure the server's memory need it in a process of its own: the resident set (VmRSS) and
its high-water mark (VmHWM) then belong to the server alone.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def proc_status(pid: int, field: str) -> int:
    """A size field of /proc/<pid>/status (VmRSS, VmHWM, …) of any process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


@dataclass
class PeakMemory:
    before: int  # resident bytes when the measurement started
    bytes: int = 0  # the most resident bytes seen

    @property
    def above_start(self) -> int:
        return self.bytes - self.before


class ServerProcess:
    """`serve` on a loopback port; use as a context manager. `port` is a free one unless given (say, one chosen
    earlier with `free_port()` because the server's own arguments, such as a service-account key's token URI, name
    it); `extra` are more `serve` arguments; `source`, a folder holding another `ee_assets` package to run instead of
    this one (e.g. an older commit, for comparisons)."""

    def __init__(self, catalog: str | os.PathLike, token: str = "local-token", extra: list[str] | None = None,
                 env: dict[str, str] | None = None, start_timeout_s: float = 120.0,
                 source: str | os.PathLike | None = None, port: int | None = None):
        self.port = free_port() if port is None else port
        self.token = token
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "ee_assets.local", "serve", "--port", str(self.port), "--catalog",
                str(catalog), "--token", token, *(extra or [])]
        self._log = tempfile.TemporaryFile("w+")  # a file, not a pipe: nobody has to drain it
        env = {**os.environ, **(env or {})}
        if source is not None:  # `-m` puts the working directory first on sys.path: run from the other tree
            env["PYTHONPATH"] = str(source)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=self._log, text=True, env=env,
                                     cwd=source)
        self._wait_until_serving(start_timeout_s)

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def _wait_until_serving(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}: {self.log()[-2000:]}")
            try:
                requests.get(f"{self.url}/$discovery/rest", headers=self.headers, timeout=5)
                return
            except requests.exceptions.ConnectionError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer within {timeout_s:g} s")

    def log(self) -> str:
        """What the server has written to stderr so far."""
        self._log.seek(0)
        return self._log.read()

    def status(self, field: str) -> int:
        """A size field of the server's /proc/<pid>/status (VmRSS, VmHWM, …) in bytes."""
        return proc_status(self.pid, field)

    def rss(self) -> int:
        """Resident memory now, in bytes."""
        return self.status("VmRSS")

    def peak_rss(self) -> int:
        """The most resident memory since start or the last `reset_peak()`, in bytes."""
        return self.status("VmHWM")

    def reset_peak(self) -> None:
        """Start the high-water mark again from the current RSS (Linux: write 5 to clear_refs)."""
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    @contextmanager
    def peak_during(self, every_s: float = 0.01) -> Iterator[PeakMemory]:
        """The most resident memory while the block runs: the kernel's high-water mark (reset at the start) and
        samples of VmRSS, whichever is higher (the mark can miss memory a thread's heap gave back with madvise)."""
        peak = PeakMemory(before=self.rss())
        self.reset_peak()
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                try:
                    peak.bytes = max(peak.bytes, self.rss())
                except (OSError, KeyError):
                    return
                stop.wait(every_s)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield peak
        finally:
            stop.set()
            sampler.join()
            peak.bytes = max(peak.bytes, self.peak_rss())

    def cpu_seconds(self) -> float:
        """User + system CPU time the server has used so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
