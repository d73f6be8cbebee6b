"""Commands: frozen messages and the application service that handles them."""
