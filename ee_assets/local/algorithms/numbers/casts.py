"""Number casts: integer casts truncate toward zero and clamp to the type's range, the rule EE applies to pixel casts
(a reading: EE's docs do not say what Number casts do out of range); floating casts keep the value."""

from __future__ import annotations

import math
from collections.abc import Callable

from ee_assets.local.algorithms.numbers.math import register_unary
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_number

_INT_RANGES = {
    ("uint8", "toUint8", "byte", "toByte"): (0, 2**8 - 1),
    ("int8", "toInt8"): (-(2**7), 2**7 - 1),
    ("uint16", "toUint16"): (0, 2**16 - 1),
    ("int16", "toInt16", "short", "toShort"): (-(2**15), 2**15 - 1),
    ("uint32", "toUint32"): (0, 2**32 - 1),
    ("int32", "toInt32", "int", "toInt"): (-(2**31), 2**31 - 1),
    ("int64", "toInt64", "long", "toLong"): (-(2**63), 2**63 - 1),
}


def _int_cast(lo: int, hi: int) -> Callable:
    def cast(x: float) -> int:
        if math.isnan(x):
            return 0
        return int(min(max(math.trunc(x) if math.isfinite(x) else x, lo), hi))

    return cast


for _names, (_lo, _hi) in _INT_RANGES.items():
    for _name in _names:
        register_unary(_name, _int_cast(_lo, _hi))


for _name in ("float", "toFloat", "double", "toDouble"):
    algorithm(f"Number.{_name}", returns="Number", input="Number")(lambda input: float(as_number(input, "input")))
