"""Alembic environment: runs on the Store passed in by warehouse_tui.store.migrate."""

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

import warehouse_tui.store.models  # noqa: F401  (registers every table)

store = context.config.attributes["store"]


def run() -> None:
    with store.engine.connect() as connection:
        if store.is_sqlite:
            # Table rebuilds with foreign keys on cascade deletes (ARCHITECTURE.md, Known traps).
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            render_as_batch=store.is_sqlite,
        )
        with context.begin_transaction():
            context.run_migrations()
        if store.is_sqlite:
            problems = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
            if problems:
                raise RuntimeError(f"foreign key check failed after upgrade: {problems[:5]}")
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()


run()
