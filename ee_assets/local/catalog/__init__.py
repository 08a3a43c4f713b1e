"""The data behind the local backend: the YAML catalog mapping EE asset IDs to local files (catalog.py), reading
raster bands onto any grid (rasters.py) and the synthetic sample catalog the demo and tests use (sample_data.py).

Everything that reads or writes files for the backend is here.
"""
