"""Alembic environment: runs against the engine imageapi hands it."""

from alembic import context

from imageapi.db import models  # noqa: F401  (registers the tables)
from imageapi.db.base import Base

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
