"""ImageCollection.* and reduce.*: loading, merging and getRegion (core.py), per-pixel composites (composite.py)."""
