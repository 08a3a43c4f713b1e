"""The guard that keeps every test, and every Python process a test starts, off the internet."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from ee_assets_tests.support.no_network import subprocess_pythonpath


def test_the_test_process_cannot_resolve_or_reach_outside_hosts():
    with pytest.raises(socket.gaierror, match="must not touch the network"):
        socket.getaddrinfo("earthengine.googleapis.com", 443)
    with pytest.raises(OSError, match="must not touch the network"), socket.socket() as s:
        s.connect(("8.8.8.8", 53))


def test_subprocesses_get_the_same_guard(tmp_path):
    code = "import socket; socket.getaddrinfo('oauth2.googleapis.com', 443)"
    done = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": subprocess_pythonpath(tmp_path)},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "must not touch the network" in done.stderr
