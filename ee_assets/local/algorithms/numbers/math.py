"""Number arithmetic, math functions, comparisons, logic and bit operations, clamp and unitScale.

Results keep Python ints where EE keeps integers (int op int for +, -, *, min, max, mod, bit operations);
comparisons and logic return 1 or 0 as EE does. +, -, * and / return the plain result; / by 0 gives 0."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_number
from ee_assets.local.algorithms.support.optional import scipy_special


def ee_number(value: float) -> int | float:
    """An int when the value is integral and finite (EE prints 8, not 8.0), else the float."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return int(value) if math.isfinite(value) and float(value).is_integer() and abs(value) < 2**53 else value


def register_binary(name: str, fn: Callable) -> None:
    def impl(left, right):
        return ee_number(fn(as_number(left, "left"), as_number(right, "right")))

    algorithm(f"Number.{name}", returns="Number", left="Number", right="Number")(impl)


def register_unary(name: str, fn: Callable) -> None:
    def impl(input):
        return ee_number(fn(as_number(input, "input")))

    algorithm(f"Number.{name}", returns="Number", input="Number")(impl)


def _int_only(fn: Callable) -> Callable:
    def apply(a, b=None):
        args = (a,) if b is None else (a, b)
        return fn(*(int(v) for v in args))

    return apply


def _mod(a, b):
    """Java's % (the result has the dividend's sign); x % 0 is 0 like EE's integer-safe division."""
    if b == 0:
        return 0
    if isinstance(a, int) and isinstance(b, int):
        r = abs(a) % abs(b)
        return r if a >= 0 else -r
    return math.fmod(a, b)


def _pow(a, b):
    """Integer powers stay exact within 64 bits, like EE's longs; beyond that, and otherwise, doubles."""
    try:
        if isinstance(a, int) and isinstance(b, int) and 0 <= b and b * math.log2(abs(a) or 1) < 63:
            return a**b
        if a < 0 and not float(b).is_integer():
            return math.nan  # Java's Math.pow: a negative base to a fractional power is NaN, not complex
        return float(a) ** b
    except (OverflowError, ZeroDivisionError):
        return math.inf


def _safe(fn: Callable) -> Callable:
    """Domain errors give NaN (EE returns NaN for e.g. sqrt(-1) or log(-1)), as Java's Math does."""
    def apply(*args):
        try:
            return fn(*args)
        except (ValueError, ZeroDivisionError):
            return math.nan if not (fn is math.log or fn is math.log10) or args[0] != 0 else -math.inf
        except OverflowError:
            return math.inf

    return apply


def _arithmetic(op: str, fn) -> None:
    def impl(left, right):
        return fn(as_number(left, "left"), as_number(right, "right"))

    algorithm(f"Number.{op}", returns="Number", left="Number", right="Number")(impl)


_arithmetic("add", lambda a, b: a + b)


_arithmetic("subtract", lambda a, b: a - b)


_arithmetic("multiply", lambda a, b: a * b)


_arithmetic("divide", lambda a, b: 0 if b == 0 else a / b)


for _name, _fn in {
    "max": max, "min": min, "mod": _mod, "pow": _pow, "atan2": math.atan2, "hypot": math.hypot,
    "first": lambda a, b: a, "firstNonZero": lambda a, b: a if a != 0 else b,
    "first_nonzero": lambda a, b: a if a != 0 else b,
    "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge, "eq": operator.eq,
    "neq": operator.ne, "and": lambda a, b: a != 0 and b != 0, "or": lambda a, b: a != 0 or b != 0,
}.items():
    register_binary(_name, _fn)


for _name, _fn in {"bitwiseAnd": operator.and_, "bitwiseOr": operator.or_, "bitwiseXor": operator.xor,
                   "leftShift": operator.lshift, "rightShift": operator.rshift}.items():
    register_binary(_name, _int_only(_fn))
    _snake = "".join("_" + c.lower() if c.isupper() else c for c in _name)
    register_binary(_snake, _int_only(_fn))


def _round_half_up(x: float) -> float:
    """Java's Math.round: halves round toward +infinity (2.5 → 3, -2.5 → -2)."""
    return math.floor(x + 0.5)


def _signum(x: float) -> float:
    return 0 if x == 0 else math.copysign(1, x) if not math.isnan(x) else math.nan


for _name, _fn in {
    "sqrt": math.sqrt, "log": math.log, "log10": math.log10, "exp": math.exp, "abs": abs,
    "floor": math.floor, "ceil": math.ceil, "round": _round_half_up,
    "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh, "gamma": math.gamma,
    "erf": math.erf, "erfc": math.erfc, "signum": _signum, "not": lambda x: int(x == 0),
    "bitwiseNot": lambda x: ~int(x), "bitwise_not": lambda x: ~int(x),
    "bitCount": lambda x: (int(x) & 0xFFFFFFFFFFFFFFFF).bit_count(),
}.items():
    register_unary(_name, _safe(_fn))


def _special(name: str) -> Callable:
    """A scipy.special function (SciPy is optional, see support/optional.py)."""
    def apply(*args):
        return float(getattr(scipy_special(), name)(*args))

    return apply


for _name, _fn in {"erfInv": _special("erfinv"), "erfcInv": _special("erfcinv"), "digamma": _special("digamma"),
                   "trigamma": lambda x: _special("polygamma")(1, x)}.items():
    register_unary(_name, _safe(_fn))


register_binary("gammainc", _special("gammainc"))  # the regularized lower incomplete gamma function P(a, x)


@algorithm("Number.clamp", returns="Number", number="Number", min="Float", max="Float")
def clamp(number, min, max):
    x, lo, hi = as_number(number, "number"), as_number(min, "min"), as_number(max, "max")
    return ee_number(lo if x < lo else hi if x > hi else x)


@algorithm("Number.unitScale", returns="Number", number="Number", min="Float", max="Float")
def unit_scale(number, min, max) -> float:
    """(number - min) / (max - min), not clamped (EE's Number.unitScale docs)."""
    lo, hi = as_number(min, "min"), as_number(max, "max")
    return ee_number((as_number(number, "number") - lo) / (hi - lo)) if hi != lo else 0
