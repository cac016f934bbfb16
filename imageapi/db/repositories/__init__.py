"""Repositories: the only place that writes queries, one module per aggregate.

Each ``<Noun>Repository`` works inside a unit of work's session (``db/uow.py``).
"""
