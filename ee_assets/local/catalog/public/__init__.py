"""The public Earth Engine catalog, offline: its facts (`facts.json.gz`, built by `build_facts`) and synthetic data
generated from them on demand (`synthetic`)."""
