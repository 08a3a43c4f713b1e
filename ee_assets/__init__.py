"""ee_assets: Earth Engine computations as Dagster assets, runnable on an embedded EE-compatible backend.

The components and factories (`ee_assets.EarthEngineTableComponent`, `ee_assets.ee_table_assets`, ...) are
imported on first use, so `ee_assets.local` and the transport do not pull in Dagster.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_COMPONENTS = ("EarthEngineImageComponent", "EarthEngineTableComponent", "ee_image_assets", "ee_table_assets")
__all__ = [*_COMPONENTS]


def __getattr__(name: str) -> Any:
    if name in _COMPONENTS:
        return getattr(importlib.import_module("ee_assets.components"), name)
    raise AttributeError(f"module 'ee_assets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_COMPONENTS])
