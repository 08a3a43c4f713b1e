"""Array.* (ee.Array): construction, access and shape (core.py), element-wise math (math.py), linear algebra
(linalg.py)."""
