"""The HTTP API: a thin Starlette layer (parse, call the service or a query, render)."""
