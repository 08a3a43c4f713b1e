"""Number.*: arithmetic and math functions (math.py), casts (casts.py), format and parse (format.py), expressions
(expression.py)."""
