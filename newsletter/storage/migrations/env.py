"""Alembic's entry point for the newsletter's own schema. The app passes its connection in
`config.attributes["connection"]` (see `newsletter.storage.db.upgrade`); the `alembic` command
line, run from the repository for a new migration, uses alembic.ini's database URL."""

from alembic import context
from sqlalchemy import create_engine

from newsletter.storage.db import metadata

FOREIGN_TABLES = {"apscheduler_jobs"}
"""APScheduler's job store makes and keeps its own table."""


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "table" and name in FOREIGN_TABLES)


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      include_object=include_object,
                      render_as_batch=True)  # SQLite alters a table by copying it
    with context.begin_transaction():
        context.run_migrations()


given = context.config.attributes.get("connection")
if given is not None:
    run(given)
else:
    with create_engine(context.config.get_main_option("sqlalchemy.url")).connect() as conn:
        run(conn)
