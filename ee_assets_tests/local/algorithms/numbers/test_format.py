"""Number.format and Number.parse through the real client."""

from __future__ import annotations

import pytest


def test_format_and_parse(ee_local):
    """Patterns are Java's String.format; Python's %-formatting gives the same text for these."""
    ee = ee_local
    assert ee.Number(3.14159).format("%.2f").getInfo() == f"{3.14159:.2f}" == "3.14"
    assert ee.Number(42).format("%05d").getInfo() == "00042"
    assert ee.Number(255).format("%x").getInfo() == "ff"
    assert ee.Number(12).format().getInfo() == "12"
    assert ee.Number(2.5).format("value: %s").getInfo() == "value: 2.5"
    assert ee.Number.parse("42").getInfo() == 42
    assert ee.Number.parse("-3.5").getInfo() == -3.5
    assert ee.Number.parse("ff", 16).getInfo() == 255
    assert ee.Number.parse("101", 2).getInfo() == 5
    with pytest.raises(ee.EEException, match="cannot parse 'abc'"):
        ee.Number.parse("abc").getInfo()
