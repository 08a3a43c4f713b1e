"""Convert evaluator values to the JSON that EE's value:compute returns (the getInfo() shapes)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def to_json(value: Any) -> Any:
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None  # JSON has no NaN or infinity; EE-style null instead
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_json(value.tolist())
    if hasattr(value, "to_json"):
        return value.to_json()
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")
