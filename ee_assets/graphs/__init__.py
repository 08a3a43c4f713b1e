"""Pure builders of EE expression graphs (no Dagster, no I/O): the seeds' computations, parameterized."""
