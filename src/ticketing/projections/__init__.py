"""Read models: independent, rebuildable projections of the event log."""
