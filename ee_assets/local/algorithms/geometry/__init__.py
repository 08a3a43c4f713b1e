"""Geometry.*, GeometryConstructors.* and ErrorMargin: constructors.py, operations.py, measures.py and
inspection.py."""
