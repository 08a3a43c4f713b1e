"""Response bodies of computed pixels: NPY, GeoTIFF, PNG and JPEG with EE's visualization rules (pixels.py).

A new output format is a branch of `encode_pixels` (and its name in SUPPORTED_FORMATS) in pixels.py, or a module
of its own here when it needs more than a function; the protocol passes the request's `fileFormat` through
unchanged. Its test goes in ee_assets_tests/local/encoding/, reading the bytes back with an independent library.
"""
