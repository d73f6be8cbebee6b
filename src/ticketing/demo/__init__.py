"""The demo: a realistic synthetic history written through the command service."""
