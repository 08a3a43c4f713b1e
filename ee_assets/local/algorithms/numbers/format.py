"""Number.format and Number.parse: numbers to and from text, Java-style patterns and radixes."""

from __future__ import annotations

from ee_assets.local.algorithms.numbers.math import ee_number
from ee_assets.local.algorithms.registry import algorithm
from ee_assets.local.algorithms.support.coerce import as_number
from ee_assets.local.errors import InvalidArgument


@algorithm("Number.format", returns="String", number="Number", pattern="String")
def format_(number, pattern: str = "%s") -> str:
    """Java String.format with one number: %d, %f, %.2f, %e, %x, %05d, %s … (%s prints integral values without .0)."""
    x = as_number(number, "number")
    try:
        if "%s" in pattern:
            text = str(ee_number(x)) if not isinstance(x, float) or x.is_integer() else repr(x)
            return pattern.replace("%s", text, 1)
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
        return ee_number(float(text)) if any(c in text for c in ".eEn") else int(text)
    except ValueError as e:
        raise InvalidArgument(f"Number.parse: cannot parse '{input}' as a base-{int(radix)} number.") from e
