"""The no-network guard: any connect or DNS lookup of a non-loopback address fails.

conftest installs it in the test process; `subprocess_pythonpath()` makes Python subprocesses install it too (as a
sitecustomize), so no test, and nothing a test starts, can reach the internet.
"""

import ipaddress
import socket
from pathlib import Path

_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def _loopback(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        raise OSError(f"tried to reach {address!r}: tests must not touch the network")
    return _connect(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _loopback(host.decode() if isinstance(host, bytes) else host):
        raise socket.gaierror(f"tried to resolve {host!r}: tests must not touch the network")
    return _getaddrinfo(host, *args, **kwargs)


def install() -> None:
    socket.socket.connect, socket.getaddrinfo = _guarded_connect, _guarded_getaddrinfo


def uninstall() -> None:
    socket.socket.connect, socket.getaddrinfo = _connect, _getaddrinfo


def subprocess_pythonpath(folder: Path) -> str:
    """A PYTHONPATH entry (created in `folder`) whose sitecustomize installs this guard at interpreter start."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(Path(__file__).read_text() + "\ninstall()\n")
    return str(folder)
