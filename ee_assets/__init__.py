"""ee_assets: Earth Engine computations as Dagster assets, runnable on an embedded EE-compatible backend."""

__version__ = "0.1.0"
