"""The database layer shared by all features: declarative base, engines, sessions, migrations.

Any SQLAlchemy URL works; SQLite (the default, under ``KB_BOT_HOME``) and PostgreSQL are tested.
The schema is owned by the Alembic migrations in ``kb_bot/migrations`` (never ``create_all``):
call :func:`open_database` (migrate, then engine) when a program starts.

Adding a table for a new feature:
1. declare the model on :class:`Base` in the feature's module and add that module to ``MODEL_MODULES``;
2. write a migration in ``kb_bot/migrations/versions`` (revision ids are readable: ``0003_chat``).
   A feature that only needs the base tables branches from ``0001_base``; :func:`migrate` upgrades
   every head, so parallel branches are fine.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import BigInteger, DateTime, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Dialect, Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

MODEL_MODULES = [
    "kb_bot.users",
    "kb_bot.audit",
    "kb_bot.claims.models",
    "kb_bot.chat.models",
    "kb_bot.web.throttle",
]
"""Modules declaring tables on :class:`Base`; imported by the migration environment."""

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names are deterministic, so migrations can refer to them on every backend."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


BigId = BigInteger().with_variant(Integer, "sqlite")
"""Primary-key type for tables that grow without bound (SQLite only autoincrements INTEGER)."""


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored and returned as timezone-aware UTC on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use utcnow() or an aware datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ensure_sqlite_dir(url: str) -> None:
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database and u.database != ":memory:":
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; on SQLite, foreign keys are enforced and writers wait for each other. Error
    messages never carry the statement's parameters (a password hash, a name)."""
    _ensure_sqlite_dir(url)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block ends normally and rolls back on an exception."""
    session = sessionmaker(engine, expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def load_models() -> None:
    """Import every module in ``MODEL_MODULES`` so that ``Base.metadata`` knows all tables."""
    for name in MODEL_MODULES:
        importlib.import_module(name)


def alembic_config(url: str) -> Config:
    """The Alembic configuration for ``url`` (the URL travels as an attribute: no ``%`` escaping)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


def migrate(url: str) -> None:
    """Bring the database at ``url`` to the newest schema (``alembic upgrade heads``)."""
    _ensure_sqlite_dir(url)
    command.upgrade(alembic_config(url), "heads")


def open_database(url: str) -> Engine:
    """Migrate the database, then return an engine for it: what a program calls when it starts."""
    migrate(url)
    return make_engine(url)


def append_only_ddl(table: str, dialect: str) -> list[str]:
    """Statements that make ``table`` refuse UPDATE and DELETE (used by migrations for ledgers and logs)."""
    message = f"{table} is append-only: record a correcting entry instead"
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            (
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$"
            ),
            (
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            ),
        ]
    return []
