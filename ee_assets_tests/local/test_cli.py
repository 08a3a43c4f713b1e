"""`python -m ee_assets.local`: the algorithms list, serve's refusals and a standalone server with a token."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests


def test_algorithms_command_lists_implemented_algorithms():
    out = subprocess.run([sys.executable, "-m", "ee_assets.local", "algorithms"], capture_output=True, text=True,
                         check=True)
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert {"Image.reduceRegions", "reduce.median", "Collection.loadTable", "Projection.atScale"} <= set(names)
    assert f"{len(names)} algorithms implemented" in out.stderr


def test_serve_refuses_a_public_host_without_a_token():
    out = subprocess.run([sys.executable, "-m", "ee_assets.local", "serve", "--host", "0.0.0.0"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "requires a token" in out.stderr


EXPR = {"expression": {"result": "0", "values": {"0": {"constantValue": 1}}}}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_standalone_server_with_token(sample_catalog):
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "ee_assets.local", "serve", "--port", str(port), "--catalog",
                             str(sample_catalog), "--token", "s3cret"], stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/v1/projects/p/value:compute"
        for _ in range(200):
            try:
                r = requests.post(url, data=json.dumps(EXPR), headers={"Authorization": "Bearer s3cret"}, timeout=5)
                break
            except requests.exceptions.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        assert r.json() == {"result": 1}
        assert requests.post(url, data=json.dumps(EXPR), timeout=5).status_code == 401
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)  # generous: a loaded CI machine once needed more than 10 s
        except subprocess.TimeoutExpired:
            status = Path(f"/proc/{proc.pid}/status").read_text()
            proc.kill()
            proc.wait(timeout=10)
            state = [line for line in status.splitlines() if line.startswith(("State", "Sig", "Shd"))]
            pytest.fail(f"the server did not stop within 60 s of SIGTERM: {state}")
    assert "s3cret" not in (proc.stderr.read() or "")
