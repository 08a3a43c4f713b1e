"""The Dagster code location: resources, partitions, config, storage, assets, checks and schedules."""
