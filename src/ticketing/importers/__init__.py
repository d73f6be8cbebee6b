"""Importers: translate foreign histories into command-script steps."""
