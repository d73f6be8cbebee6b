"""ServiceNow incident event log importer (docs/servicenow-import.md)."""
