"""Policies: pure functions over frozen, versioned data (matrix, SLA, calendars)."""
