"""``INSERT .. ON CONFLICT`` for the dialect in use (SQLite and PostgreSQL agree)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite


def insert_for(dialect_name: str):
    """The dialect's ``insert`` construct, which has ``on_conflict_do_update``."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert
