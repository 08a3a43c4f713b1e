"""Filter.*: property comparisons and logic (core.py), dates (dates.py), geometry (geometry.py) and expressions
(expression.py)."""
