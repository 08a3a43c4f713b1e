"""Talking to Earth Engine (or the local backend): credentials, serialized expressions and the REST client."""
