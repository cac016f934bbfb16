"""Falcon middleware: request ids and authentication."""
