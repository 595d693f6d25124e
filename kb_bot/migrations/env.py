"""Alembic environment: the URL comes from ``kb_bot.db.alembic_config``; tables from ``Base.metadata``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from kb_bot.db import Base, load_models, make_engine

load_models()
target_metadata = Base.metadata

MIGRATION_LOCK = 7_300_924_001
"""PostgreSQL advisory-lock key: two programs starting at once migrate one after the other."""


def run_migrations_online() -> None:
    url = context.config.attributes.get("url") or context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise RuntimeError("no database URL: call kb_bot.db.migrate(url)")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            postgres = connection.dialect.name == "postgresql"
            if postgres:
                connection.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK})
                connection.commit()
            try:
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    render_as_batch=connection.dialect.name == "sqlite",
                )
                with context.begin_transaction():
                    context.run_migrations()
            finally:
                if postgres:
                    connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK})
                    connection.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise RuntimeError("offline (--sql) migrations are not supported; run kb_bot.db.migrate(url)")
run_migrations_online()
