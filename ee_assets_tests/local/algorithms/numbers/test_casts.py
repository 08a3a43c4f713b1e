"""Number casts through the real client."""

from __future__ import annotations

import numpy as np

from ee_assets_tests.support.client import batch, call

INT_CASTS = {
    "uint8": (0, 255), "toUint8": (0, 255), "byte": (0, 255), "toByte": (0, 255), "int8": (-128, 127),
    "toInt8": (-128, 127), "uint16": (0, 65535), "toUint16": (0, 65535), "int16": (-32768, 32767),
    "toInt16": (-32768, 32767), "short": (-32768, 32767), "toShort": (-32768, 32767),
    "uint32": (0, 2**32 - 1), "toUint32": (0, 2**32 - 1), "int32": (-(2**31), 2**31 - 1),
    "toInt32": (-(2**31), 2**31 - 1), "int": (-(2**31), 2**31 - 1), "toInt": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1), "toInt64": (-(2**63), 2**63 - 1), "long": (-(2**63), 2**63 - 1),
    "toLong": (-(2**63), 2**63 - 1),
}


def test_integer_casts_truncate_and_clamp(ee_local):
    """Reading: EE does not document Number casts out of range; the pixel-cast rule (truncate toward zero, then
    clamp to the type's range) is used, as numpy's clip of the truncated value gives."""
    ee = ee_local
    calls = {}
    for name in INT_CASTS:
        calls[f"{name}/in"] = call(ee, f"Number.{name}", -7.9)
        calls[f"{name}/hi"] = call(ee, f"Number.{name}", 1e6)
    got = batch(ee, calls)
    for name, (lo, hi) in INT_CASTS.items():
        assert got[f"{name}/in"] == int(np.clip(np.trunc(-7.9), lo, hi)), name
        assert got[f"{name}/hi"] == int(np.clip(1e6, lo, hi)), name


def test_float_casts_keep_the_value(ee_local):
    ee = ee_local
    got = batch(ee, {n: call(ee, f"Number.{n}", 7) for n in ("float", "toFloat", "double", "toDouble")})
    assert got == {"float": 7.0, "toFloat": 7.0, "double": 7.0, "toDouble": 7.0}
