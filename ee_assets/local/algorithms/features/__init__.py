"""Feature.*, Element.* and FeatureCollection.*: properties and typed getters (core.py), geometry operations on
features (geometry.py), arrays (arrays.py) and random points (random_points.py)."""
