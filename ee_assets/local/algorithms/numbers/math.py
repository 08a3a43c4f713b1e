"""Number algorithms beyond + - * /: math functions, comparisons, logic, bit operations, casts, format and parse.

Results keep Python ints where EE keeps integers (int op int for +, -, *, min, max, mod, bit operations);
comparisons and logic return 1 or 0 as EE does. Casts truncate toward zero and clamp to the type's range, the
rule EE applies to pixel casts (a reading: EE's docs do not say what Number casts do out of range).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable

from ee_assets.local.algorithms.coerce import as_number
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.errors import InvalidArgument


def _num(value: float) -> int | float:
    """An int when the value is integral and finite (EE prints 8, not 8.0), else the float."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return int(value) if math.isfinite(value) and float(value).is_integer() and abs(value) < 2**53 else value


def _binary(name: str, fn: Callable) -> None:
    def impl(left, right):
        return _num(fn(as_number(left, "left"), as_number(right, "right")))

    algorithm(f"Number.{name}", returns="Number", left="Number", right="Number")(impl)


def _unary(name: str, fn: Callable) -> None:
    def impl(input):
        return _num(fn(as_number(input, "input")))

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


for _name, _fn in {
    "max": max, "min": min, "mod": _mod, "pow": _pow, "atan2": math.atan2, "hypot": math.hypot,
    "first": lambda a, b: a, "firstNonZero": lambda a, b: a if a != 0 else b,
    "first_nonzero": lambda a, b: a if a != 0 else b,
    "lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge, "eq": operator.eq,
    "neq": operator.ne, "and": lambda a, b: a != 0 and b != 0, "or": lambda a, b: a != 0 or b != 0,
}.items():
    _binary(_name, _fn)

for _name, _fn in {"bitwiseAnd": operator.and_, "bitwiseOr": operator.or_, "bitwiseXor": operator.xor,
                   "leftShift": operator.lshift, "rightShift": operator.rshift}.items():
    _binary(_name, _int_only(_fn))
    _snake = "".join("_" + c.lower() if c.isupper() else c for c in _name)
    _binary(_snake, _int_only(_fn))


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
    _unary(_name, _safe(_fn))

def _special(name: str) -> Callable:
    """A scipy.special function, imported on first use (scipy is slow to import)."""
    def apply(*args):
        from scipy import special

        return float(getattr(special, name)(*args))

    return apply


for _name, _fn in {"erfInv": _special("erfinv"), "erfcInv": _special("erfcinv"), "digamma": _special("digamma"),
                   "trigamma": lambda x: _special("polygamma")(1, x)}.items():
    _unary(_name, _safe(_fn))
_binary("gammainc", _special("gammainc"))  # the regularized lower incomplete gamma function P(a, x)

# Integer casts: truncate toward zero, clamp to the range. Floating casts keep the value.
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
        _unary(_name, _int_cast(_lo, _hi))
for _name in ("float", "toFloat", "double", "toDouble"):
    algorithm(f"Number.{_name}", returns="Number", input="Number")(lambda input: float(as_number(input, "input")))


@algorithm("Number.clamp", returns="Number", number="Number", min="Float", max="Float")
def clamp(number, min, max):
    x, lo, hi = as_number(number, "number"), as_number(min, "min"), as_number(max, "max")
    return _num(lo if x < lo else hi if x > hi else x)


@algorithm("Number.unitScale", returns="Number", number="Number", min="Float", max="Float")
def unit_scale(number, min, max) -> float:
    """(number - min) / (max - min), not clamped (EE's Number.unitScale docs)."""
    lo, hi = as_number(min, "min"), as_number(max, "max")
    return _num((as_number(number, "number") - lo) / (hi - lo)) if hi != lo else 0


@algorithm("Number.format", returns="String", number="Number", pattern="String")
def format_(number, pattern: str = "%s") -> str:
    """Java String.format with one number: %d, %f, %.2f, %e, %x, %05d, %s … (%s prints integral values without .0)."""
    x = as_number(number, "number")
    try:
        if "%s" in pattern:
            return pattern.replace("%s", str(_num(x)) if not isinstance(x, float) or x.is_integer() else repr(x), 1)
        if any(c in pattern for c in "dxXo") and "%" in pattern:
            return pattern % int(x)
        return pattern % x
    except (TypeError, ValueError) as e:
        raise InvalidArgument(f"Number.format: invalid pattern '{pattern}' ({e}); use e.g. '%d', '%.2f' or '%s'.") \
            from e


@algorithm("Number.parse", returns="Number", input="String", radix="Integer")
def parse(input: str, radix: int = 10) -> int | float:
    text = str(input).strip()
    try:
        if int(radix) != 10:
            return int(text, int(radix))
        return _num(float(text)) if any(c in text for c in ".eEn") else int(text)
    except ValueError as e:
        raise InvalidArgument(f"Number.parse: cannot parse '{input}' as a base-{int(radix)} number.") from e
