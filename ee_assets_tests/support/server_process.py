"""A local backend in a process of its own (`python -m ee_assets.local serve`), so that a test can kill the
processes talking to it, or measure its memory apart from theirs: peak RSS is read from /proc."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from ee_assets.local.protocol.oauth import generate_service_account_key


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM for process {pid}")


class ServerProcess:
    """`serve` on a free loopback port with a bucket root, a catalog and a service-account key of its own."""

    def __init__(self, folder: Path, catalog: Path, *extra: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.bucket_root = folder / "buckets"
        self.key = generate_service_account_key("runner@ee-assets-test.iam.gserviceaccount.com",
                                                f"{self.url}/token", project_id="ee-assets-test")
        key_file = folder / "key.json"
        key_file.write_text(json.dumps(self.key))
        self.log = folder / "server.log"
        self.command = [sys.executable, "-m", "ee_assets.local", "serve", "--port", str(self.port), "--catalog",
                        str(catalog), "--token", "server-process-token", "--service-account-key", str(key_file),
                        "--bucket-root", str(self.bucket_root), *extra]
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> ServerProcess:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-2000:]}")
            try:
                requests.get(f"{self.url}/$discovery/rest", timeout=5)
                return self
            except requests.ConnectionError:
                time.sleep(0.1)
        raise TimeoutError(f"the server did not start: {self.log.read_text()[-2000:]}")

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    @property
    def peak_rss_mb(self) -> float:
        assert self.process is not None
        return peak_rss_mb(self.process.pid)

    def reset_peak_rss(self) -> float:
        """Reset the server's peak RSS to its current RSS (Linux: 5 > /proc/PID/clear_refs); that RSS in MiB."""
        assert self.process is not None
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")
        return peak_rss_mb(self.process.pid)

    def environment(self) -> dict[str, str]:
        """EE_BACKEND=earthengine pointed at this server with its key, gs:// read from its bucket root."""
        return {"EE_BACKEND": "earthengine", "EE_API_URL": self.url, "EE_SERVICE_ACCOUNT_KEY": json.dumps(self.key),
                "EE_LOCAL_BUCKET_ROOT": str(self.bucket_root)}
