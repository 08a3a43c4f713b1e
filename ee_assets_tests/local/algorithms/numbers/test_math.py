"""Number algorithms through the real client; expectations from Python's math and numpy, or Java's documented rules."""

from __future__ import annotations

import math

import pytest

from ee_assets_tests.support.client import batch, call

UNARY = {
    "sqrt": (2.25, 1.5), "log": (math.e**2, 2.0), "log10": (1000, 3.0), "exp": (1.5, math.exp(1.5)),
    "abs": (-3.25, 3.25), "floor": (-2.5, -3), "ceil": (-2.5, -2), "cbrt": (-27, -3.0),
    "sin": (0.5, math.sin(0.5)), "cos": (0.5, math.cos(0.5)), "tan": (0.5, math.tan(0.5)),
    "asin": (0.5, math.asin(0.5)), "acos": (0.5, math.acos(0.5)), "atan": (0.5, math.atan(0.5)),
    "sinh": (0.5, math.sinh(0.5)), "cosh": (0.5, math.cosh(0.5)), "tanh": (0.5, math.tanh(0.5)),
    "gamma": (5, 24.0), "erf": (0.5, math.erf(0.5)), "erfc": (0.5, math.erfc(0.5)),
    "signum": (-4.5, -1), "not": (0, 1), "bitwiseNot": (5, ~5), "bitwise_not": (0, -1), "bitCount": (255, 8),
}


def test_unary_math_matches_python(ee_local):
    ee = ee_local
    got = batch(ee, {name: call(ee, f"Number.{name}", x) for name, (x, _) in UNARY.items()})
    for name, (_, expected) in UNARY.items():
        assert got[name] == pytest.approx(expected, rel=1e-12), name


def test_special_functions(ee_local):
    """Worked values: erf⁻¹(erf(x)) = x (with Python's math.erf), ψ(1) = -γ (Euler–Mascheroni), ψ'(1) = π²/6,
    and P(1, x) = 1 - e^(-x) for the regularized lower incomplete gamma function."""
    ee = ee_local
    got = ee.Dictionary({
        "erfInv": ee.Number(math.erf(0.3)).erfInv(), "erfcInv": ee.Number(math.erfc(0.3)).erfcInv(),
        "digamma": ee.Number(1).digamma(), "trigamma": ee.Number(1).trigamma(), "gammainc": ee.Number(1).gammainc(2),
    }).getInfo()
    assert got["erfInv"] == pytest.approx(0.3) and got["erfcInv"] == pytest.approx(0.3)
    assert got["digamma"] == pytest.approx(-0.5772156649015329)
    assert got["trigamma"] == pytest.approx(math.pi**2 / 6)
    assert got["gammainc"] == pytest.approx(1 - math.exp(-2))


def test_round_is_java_math_round(ee_local):
    """Reading: EE's Number.round follows Java's Math.round (halves go toward +infinity), not banker's rounding."""
    ee = ee_local
    got = [ee.Number(x).round().getInfo() for x in (2.5, -2.5, 0.49, -0.51)]
    assert got == [math.floor(x + 0.5) for x in (2.5, -2.5, 0.49, -0.51)] == [3, -2, 0, -1]


BINARY = {
    "max": (3, 7.5, 7.5), "min": (3, 7.5, 3), "pow": (2, 10, 1024), "atan2": (1, 2, math.atan2(1, 2)),
    "hypot": (3, 4, 5.0), "first": (3, 4, 3), "firstNonZero": (0, 4, 4), "first_nonzero": (2, 4, 2),
    "lt": (1, 2, 1), "lte": (2, 2, 1), "gt": (1, 2, 0), "gte": (1, 2, 0), "eq": (2, 2, 1), "neq": (2, 2, 0),
    "and": (1, 0, 0), "or": (1, 0, 1),
    "bitwiseAnd": (12, 10, 12 & 10), "bitwise_and": (12, 10, 12 & 10), "bitwiseOr": (12, 10, 12 | 10),
    "bitwise_or": (12, 10, 12 | 10), "bitwiseXor": (12, 10, 12 ^ 10), "bitwise_xor": (12, 10, 12 ^ 10),
    "leftShift": (3, 4, 3 << 4), "left_shift": (3, 4, 3 << 4), "rightShift": (256, 3, 256 >> 3),
    "right_shift": (256, 3, 256 >> 3),
}


def test_binary_operations_match_python(ee_local):
    ee = ee_local
    got = batch(ee, {name: call(ee, f"Number.{name}", a, b) for name, (a, b, _) in BINARY.items()})
    for name, (_, _, expected) in BINARY.items():
        assert got[name] == pytest.approx(expected, rel=1e-12), name


def test_mod_takes_the_dividends_sign_like_java(ee_local):
    """Reading: EE's mod is Java's % (sign of the dividend), so -7 mod 3 is -1, as math.fmod gives."""
    ee = ee_local
    got = [ee.Number(a).mod(b).getInfo() for a, b in ((7, 3), (-7, 3), (7.5, 2))]
    assert got == [math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7.5, 2)]


def test_clamp_and_unit_scale(ee_local):
    ee = ee_local
    assert ee.Number(15).clamp(0, 10).getInfo() == 10
    assert ee.Number(-1).clamp(0, 10).getInfo() == 0
    assert ee.Number(2.5).clamp(0, 10).getInfo() == 2.5
    assert ee.Number(25).unitScale(0, 100).getInfo() == 0.25
    assert ee.Number(150).unitScale(100, 300).getInfo() == 0.25


def test_pow_stays_exact_for_longs_and_overflows_to_infinity(ee_local):
    """Integer powers within 64 bits are exact (EE's longs); beyond, a double: 10^400 overflows to infinity, which
    JSON cannot carry, so it comes back as null like NaN."""
    ee = ee_local
    assert ee.Number(3).pow(39).getInfo() == 3**39
    assert ee.Number(2).pow(-2).getInfo() == 0.25
    assert ee.Number(10).pow(400).getInfo() is None
    assert ee.Number(-8).pow(1 / 3).getInfo() is None  # NaN, as Java's Math.pow gives
    assert ee.Number(-(2**62) - 1).mod(7).getInfo() == -((2**62 + 1) % 7)  # exact for longs


def test_chained_arithmetic_like_a_script(ee_local):
    """(2^10 - 24) / 10, rounded: a typical script chain, worked by hand: 1000 / 10 = 100."""
    ee = ee_local
    assert ee.Number(2).pow(10).subtract(24).divide(10).round().getInfo() == 100
    assert ee.Number(10).sqrt().multiply(ee.Number(10).sqrt()).getInfo() == pytest.approx(10)


def test_numbers(ee):
    assert ee.Number(7).divide(2).getInfo() == 3.5
    assert ee.Number(7).add(2).multiply(3).subtract(1).getInfo() == 26
    assert ee.Number(-9).divide(4).getInfo() == -2.25
    assert ee.Number(0.1).add(0.2).getInfo() == pytest.approx(0.3)
