"""Image.*, one concern per module: core (bands, names, properties), math, pixel_type (casts), masks, spectral,
arrays (array images), expression, neighborhood, objects (connected regions), projection (where pixels are
computed), reduce (regions, across bands), sampling, vectors (paint, reduceToVectors), random, classify,
visualize and cloud_storage (loadGeoTIFF)."""
