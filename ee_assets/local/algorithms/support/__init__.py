"""Helpers the algorithm modules share: coercion of graph values (coerce.py), element properties and ordering
(elements.py), property predicates of filters (predicates.py), the crs / scale / crsTransform rules and pixel windows
(projection.py), geodesy (geodesy.py), band matching (bands.py), per-pixel statistics (pixel_stats.py), reducing
plain values (reduce_values.py), the expression language of Number/Filter.expression (expression_language.py) and
the optional dependencies (optional.py).

support/ registers no algorithm and imports no algorithm module (import-linter checks this).
"""
