"""EE pixel types: a precision ('int', 'float', 'double') with an optional value range, and the numpy type that
holds it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLOAT64 = np.dtype(np.float64)
INT_TYPES = {
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32,
}
# EE's type names (as casts and PixelType constructors name them) and the numpy types holding them.
CAST_NAMES: dict[str, np.dtype] = {
    **{name: np.dtype(t) for name, t in INT_TYPES.items()},
    **{f"to{name[0].upper()}{name[1:]}": np.dtype(t) for name, t in INT_TYPES.items()},
    "byte": np.dtype(np.uint8), "toByte": np.dtype(np.uint8),
    "short": np.dtype(np.int16), "toShort": np.dtype(np.int16),
    "int": np.dtype(np.int32), "toInt": np.dtype(np.int32),
    "long": np.dtype(np.int64), "toLong": np.dtype(np.int64),
    "float": np.dtype(np.float32),  # toFloat is an Image algorithm of its own (algorithms/image/pixel_type.py)
    "double": FLOAT64, "toDouble": FLOAT64,
}

_INT_DTYPES = [np.dtype(t) for t in (np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.int64)]


@dataclass(frozen=True)
class PixelType:
    """EE's PixelType: a precision ('int', 'float', 'double') with an optional value range."""

    precision: str
    min: float | None = None
    max: float | None = None
    dimensions: int = 0

    @classmethod
    def of(cls, dtype: np.dtype) -> PixelType:
        dtype = np.dtype(dtype)
        if dtype.kind in "iub":
            info = np.iinfo(np.uint8 if dtype.kind == "b" else dtype)
            return cls("int", int(info.min), int(info.max))
        return cls("float" if dtype.itemsize <= 4 else "double")

    @property
    def dtype(self) -> np.dtype:
        """The smallest numpy type holding this type's values."""
        if self.precision == "float":
            return np.dtype(np.float32)
        if self.precision == "double":
            return np.dtype(np.float64)
        lo = -(2**63) if self.min is None else self.min
        hi = 2**63 - 1 if self.max is None else self.max
        for dt in _INT_DTYPES:
            info = np.iinfo(dt)
            if info.min <= lo and hi <= info.max:
                return dt
        return np.dtype(np.int64)

    def to_json(self) -> dict:
        out: dict = {"type": "PixelType", "precision": self.precision}
        if self.precision == "int" and self.min is not None and self.max is not None:
            out.update(min=_num(self.min), max=_num(self.max))
        if self.dimensions:
            out["dimensions"] = self.dimensions
        return out


def _num(v: float):
    return int(v) if float(v).is_integer() else float(v)
