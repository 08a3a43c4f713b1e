"""Element properties, dictionary access, projections and the String constructor through the real client;
expectations worked by hand or from pyproj."""

from __future__ import annotations



