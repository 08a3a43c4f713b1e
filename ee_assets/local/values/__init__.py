"""The values an evaluation passes around, one module per EE type: images (lazy per-band recipes, array bands),
features, dates and collections (elements.py), geometries, projections, pixel grids, reducers, filters, kernels,
joins, pixel types, classifiers and confusion matrices, and their getInfo() JSON (jsonify.py).

values/ is the bottom layer of the local backend: it imports nothing of kernels/, catalog/, encoding/ or
algorithms/ (import-linter checks this), and reads no files. A new EE value type goes here, in a module named after
the type, with a `to_json()` giving EE's getInfo() shape.
"""
