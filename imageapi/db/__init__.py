"""Persistence: ORM models, engine set-up, repositories and the unit of work."""
