"""The embedded Earth Engine–compatible backend: an EE REST server over local rasters and vectors."""

from ee_assets.local.protocol.faults import FaultConfig
from ee_assets.local.server import LocalServer, start_local_server

__all__ = ["FaultConfig", "LocalServer", "start_local_server"]
