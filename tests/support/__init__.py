"""Shared test builders and strategies."""
