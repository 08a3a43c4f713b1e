"""ee.Image.expression (Image.parseExpression) through the real ee client, against the same formulas in numpy."""

from __future__ import annotations

import numpy as np
import pytest

from ee_assets_tests.support.image_fixtures import VALID, A, B, pixels


def _only(px: dict) -> tuple[np.ndarray, np.ndarray]:
    assert len(px) == 1, list(px)
    return next(iter(px.values()))


def test_evi_worked_example_from_the_ee_guide(ee):
    """The EE guide's EVI expression, with a (masked at one pixel) as NIR, b as RED and b / 4 as BLUE."""
    img = ee.Image("I/ab")
    evi = img.expression("2.5 * ((NIR - RED) / (NIR + 6 * RED - 7.5 * BLUE + 1))",
                         {"NIR": img.select("a"), "RED": img.select("b"), "BLUE": img.select("b").divide(4)})
    values, mask = _only(pixels(ee, evi))
    denominator = A + 6 * B - 7.5 * (B / 4) + 1
    expected = 2.5 * ((A - B) / denominator)
    np.testing.assert_allclose(values[VALID], expected[VALID], rtol=1e-12)
    np.testing.assert_array_equal(mask, VALID)


def test_band_access_forms_precedence_and_functions(ee):
    img = ee.Image("I/ab")
    cases = {
        "b('a') + b(1) * 2": A + B * 2,
        "b(0) - -b('b')": A + B,
        "img.a ** 2 / 4": A**2 / 4,
        "img[1] % 3": np.fmod(B, 3),
        "2 ** 3 ** 2": np.full_like(A, 2.0**9),  # right-associative, as in most languages
        "-b('b') ** 2": -(B**2),  # ** binds tighter than unary minus
        "abs(b('a')) + sqrt(b('b'))": np.abs(A) + np.sqrt(B),
        "min(b('a'), b('b')) + max(1, b('b'))": np.minimum(A, B) + np.maximum(1, B),
        "pow(b('b'), 0.5)": B**0.5,
        "(b('a') + 1) * (b('b') - 1)": (A + 1) * (B - 1),
    }
    for expression, expected in cases.items():
        values, _ = _only(pixels(ee, img.expression(expression, {"img": img})))
        np.testing.assert_allclose(values[VALID], expected[VALID], rtol=1e-12, err_msg=expression)


def test_comparisons_logic_and_ternary(ee):
    img = ee.Image("I/ab")
    cases = {
        "b('b') > 3 && b('a') < 5": (B > 3) & (A < 5),
        "b('b') == 2 || !(b('a') >= 0)": (B == 2) | ~(A >= 0),
        "b('b') != 7": B != 7,
        "b('b') <= 1": B <= 1,
        "b('b') > 5 ? 100 : b('b') > 2 ? 50 : b('a')": np.where(B > 5, 100, np.where(B > 2, 50, A)),
    }
    for expression, expected in cases.items():
        values, _ = _only(pixels(ee, img.expression(expression)))
        np.testing.assert_allclose(values[VALID], np.asarray(expected, float)[VALID], err_msg=expression)


def test_expression_errors_name_the_problem(ee):
    img = ee.Image("I/ab")
    with pytest.raises(ee.EEException, match="unknown variable 'NIR'"):
        img.expression("NIR * 2").getInfo()
    with pytest.raises(ee.EEException, match="expected '\\)'"):
        img.expression("(b(0) + 1").getInfo()
    with pytest.raises(ee.EEException, match="unknown function 'frobnicate'"):
        img.expression("frobnicate(b(0))").getInfo()
    with pytest.raises(ee.EEException, match="did not match any bands"):
        img.expression("b('nope')").getInfo()
