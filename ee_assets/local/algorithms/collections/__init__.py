"""Collection.* (what FeatureCollection and ImageCollection share) and AggregateFeatureCollection.*: loading,
filtering and mapping (core.py), columns (columns.py), aggregates (aggregates.py), rasterizing (rasterize.py) and
styling (style.py)."""
