"""Write model: event-sourced aggregates with nested, past-tense events."""
