"""The embedded Earth Engine–compatible backend: an EE REST server over local rasters and vectors.

This package's public entry point (LocalServer, start_local_server, FaultConfig, ServerLimits) is all that the rest
of ee_assets uses. Inside, the layers import only downwards (import-linter checks this): server → protocol (HTTP,
routing) → evaluator (expression graphs) → algorithms (EE algorithms, by namespace) → catalog (files), encoding
(response bodies) and kernels (hot paths) → values (EE value types) → budget (each request's memory and time).
errors.py is shared by all.

Its compiled kernels and classifiers come with the `ee_assets[local]` extra; without it, importing this package
fails at once with an error that says so.
"""

from ee_assets.extras import require

require("local", "The local backend (EE_BACKEND=local)", "or set EE_BACKEND=earthengine to use Earth Engine")

from ee_assets.local.protocol.faults import FaultConfig  # noqa: E402
from ee_assets.local.protocol.server_limits import ServerLimits  # noqa: E402
from ee_assets.local.server import LocalServer, start_local_server  # noqa: E402

__all__ = ["FaultConfig", "LocalServer", "ServerLimits", "start_local_server"]
