"""ticketing: an event-sourced CQRS engine for IT issue tracking."""

__version__ = "0.1.0"
