"""EE algorithm implementations, one module per EE class; importing a module registers its algorithms."""

import importlib

MODULES = ["basic", "collection", "composite", "filter", "geometry", "image", "reduce_region", "reducer"]
MODULES += ["image_math", "pixel_type", "image_ops", "expression", "visualize", "projection_ops",
            "neighborhood", "sampling", "image_more", "image_collection",
            "image_objects", "image_classify", "image_arrays",
            "image_vectors"]  # image-side breadth
MODULES += ["numbers", "strings", "lists", "dictionaries", "filters_more", "geometry_ops"]  # value breadth
MODULES += ["dates", "aggregates", "collection_ops", "features", "joins", "collection_style"]  # value breadth
MODULES += ["geometry_more", "arrays", "collection_raster", "confusion", "classifiers", "misc_values"]  # values
MODULES += ["number_expression", "arrays_more"]  # value breadth


def load_all() -> None:
    for name in MODULES:
        importlib.import_module(f"ee_assets.local.algorithms.{name}")
