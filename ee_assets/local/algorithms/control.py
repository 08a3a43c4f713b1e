"""ee.Algorithms.If: a value chosen by a condition read the way EE reads conditions."""

from __future__ import annotations

import math

from ee_assets.local.algorithms.registry import algorithm


def truthy(value) -> bool:
    """EE's reading of a non-boolean condition: null, 0, NaN and empty strings, lists and dictionaries are false;
    everything else is true."""
    if value is None:
        return False
    if isinstance(value, (bool, int, float)):
        return bool(value) and not math.isnan(value)
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


@algorithm("If", returns="Object", condition="Object", trueCase="Object", falseCase="Object")
def if_(condition=None, trueCase=None, falseCase=None):
    return trueCase if truthy(condition) else falseCase
