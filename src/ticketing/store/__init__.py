"""Event store: eventsourcing-sqlalchemy with a Core-based, hash-chained recorder."""
