"""The software-defined assets: NDVI by state, Sentinel-2 composites, and the NDVI time series."""

OWNERS = ["team:earth-observation"]
