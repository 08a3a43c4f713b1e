"""The code location's definitions, one folder per computation (`dg` loads this folder).

- `ndvi_by_state/`, `s2_composite/`: the tutorials' computations, each a `defs.yaml` and its `graph.py`.
- `ndvi_timeseries/`: a plain Python asset downstream of ndvi_by_state.
- `resources.py`: the Earth Engine resource (settings from the environment); `storage.py`: the output store.
- `executor.py`: Celery workers when EE_CELERY_BROKER_URL is set, else Dagster's default executor.
"""
