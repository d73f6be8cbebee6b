"""Automation: processes following the log or the clock, issuing attributed commands."""
