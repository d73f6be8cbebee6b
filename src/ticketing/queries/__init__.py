"""Read side: functions over projection tables (and the log) returning DTOs."""
