"""Shared test helpers: builders, strategies, database fixtures."""
