"""Number.expression through the real client."""

from __future__ import annotations

import pytest


def test_number_expression(ee_local):
    """EE's expression grammar on numbers; expectations are the same formulas in Python (C precedence, ** binding
    tighter than unary minus and right-associative, ?: lowest)."""
    ee = ee_local
    v = {"x": 3, "y": 4.5, "z": -2}
    cases = {
        "x * 2 + y": 3 * 2 + 4.5, "x + y * z ** 2": 3 + 4.5 * (-2) ** 2, "2 ** 3 ** 2": 2 ** 3**2,
        "-x ** 2": -(3**2), "(x + 1) / 8": 0.5, "x % 2": 1, "x > 2 && y < 4": 0, "x > 2 || y < 4": 1,
        "!z": 0, "x == 3 ? y : z": 4.5, "x != 3 ? y : z": -2, "sqrt(x * x + 16)": 5, "max(x, y, 10) - min(z, 0)": 12,
        "hypot(3, 4) + abs(z)": 7, "round(2.5) + floor(-0.5)": 2,
    }
    got = ee.Dictionary({expr: ee.Number.expression(expr, v) for expr in cases}).getInfo()
    for expr, expected in cases.items():
        assert got[expr] == pytest.approx(expected), expr
    with pytest.raises(ee.EEException, match="unknown variable 'w'"):
        ee.Number.expression("w + 1", v).getInfo()
    with pytest.raises(ee.EEException, match="unexpected end of the expression"):
        ee.Number.expression("(x + 1", v).getInfo()
    with pytest.raises(ee.EEException, match="expected '\\)'"):
        ee.Number.expression("max(x, 1 y", v).getInfo()
