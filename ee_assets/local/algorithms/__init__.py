"""The EE algorithms of the local backend, in one registry (registry.py): EE algorithm name → implementation.

The path names the EE namespace and the module names the concern: `Image.gradient` is in image/neighborhood.py,
`List.sort` in lists.py, `Filter.calendarRange` in filters/dates.py. Namespaces with many algorithms are packages
(image/, image_collection/, collections/, features/, geometry/, filters/, arrays/, numbers/, ml/), the others one
module each (dates, lists, dictionaries, strings, reducers, joins, kernels (ee.Kernel), pixel_types, projections,
control (If), introspection (ObjectType, IsEqual, Describe)). Helpers more than one module uses live in support/,
which registers nothing and imports no algorithm module; value types (Image, Filter, Kernel, …) live in
ee_assets/local/values/.

To add an algorithm, put a function whose parameters are EE's argument names (with EE's defaults) in the module of
its namespace and concern, decorated with `@algorithm("Namespace.name", returns=..., <argument>=<EE type>)`; a new
module is found by itself (every module of this package is imported, `load_all`). Registering a name twice is an
error. Its test goes in ee_assets_tests/local/algorithms/<namespace>/test_<concern>.py and calls it through the
earthengine-api client; the suite fails if an implemented algorithm is never invoked by any test.
"""

from __future__ import annotations

import importlib
import pkgutil

from ee_assets.local.algorithms.registry import REGISTRY, Algorithm

__all__ = ["Algorithm", "implemented", "load_all"]


def load_all() -> None:
    """Import every module of this package (importing a module registers its algorithms)."""
    for module in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        importlib.import_module(module.name)


def implemented() -> dict[str, Algorithm]:
    """Every implemented algorithm, by name, after importing all implementation modules."""
    load_all()
    return dict(sorted(REGISTRY.items()))
