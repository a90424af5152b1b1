"""Engines and transactions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

__all__ = ["Database", "connection_of"]

_READ_ONLY = "unitgate_read_only"
POOL_RECYCLE_SECONDS = 1800
"""Server connections older than this are closed and replaced when next checked out."""


class Database:
    """One database: `transaction()` for changes, `read()` for queries.

    On SQLite every write transaction starts with `BEGIN IMMEDIATE`, so writers queue for
    the lock up front instead of failing when a read lock cannot be upgraded; writers of
    one process also queue on a lock of their own first, because SQLite's busy handler
    polls with sleeps of up to 100 ms (bench: access-request p99 went from 790 ms to ~200 ms).

    On PostgreSQL, reads run in autocommit: under READ COMMITTED (the default) every
    statement takes its own snapshot anyway, so BEGIN and ROLLBACK were two round trips that
    bought nothing. Pooled connections are not pinged before use (another round trip per
    checkout); a connection the server dropped fails one statement, which makes SQLAlchemy
    discard the whole pool, and connections older than `POOL_RECYCLE_SECONDS` are replaced.
    """

    def __init__(self, url: str, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = url
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            else:  # one shared connection, or every connection sees its own empty database
                kwargs["poolclass"] = StaticPool
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_recycle=POOL_RECYCLE_SECONDS,
                insertmanyvalues_page_size=64,
            )
        self.engine: Engine = create_engine(url, **kwargs)
        if self.dialect == "sqlite":
            _install_sqlite_hooks(self.engine)
        self._autocommit_engine: Engine | None = None
        if self.dialect == "sqlite":
            self._read_engine: Engine = self.engine.execution_options(**{_READ_ONLY: True})
        else:
            # A pool of its own whose connections are in autocommit from the start: switching
            # a pooled connection at every checkout and back at checkin was ~20 % of an
            # access decision's read. Nothing is left open to reset on return.
            self._autocommit_engine = create_engine(
                url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **kwargs
            )
            self._read_engine = self._autocommit_engine
        self._writer = threading.Lock() if self.dialect == "sqlite" else None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together when the block ends, or not at all."""
        with self._writer or nullcontext(), Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries only: on PostgreSQL it runs in autocommit, so it must not write.

        Objects read stay usable after the block (closing detaches them without expiring).
        """
        with Session(self._read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A session for queries that must all see one moment (verifying the audit log while
        the service appends to it): on PostgreSQL a read-only REPEATABLE READ transaction,
        where `read` gives each statement its own; SQLite's read transaction already is one."""
        if self._autocommit_engine is None:
            with self.read() as session:
                yield session
            return
        engine = self.engine.execution_options(
            isolation_level="REPEATABLE READ", postgresql_readonly=True
        )
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A Core connection for queries only (as `read`, without a session's bookkeeping:
        the access decision's hot path)."""
        with self._read_engine.connect() as conn:
            yield conn

    @contextmanager
    def autocommit_connection(self) -> Iterator[Connection]:
        """PostgreSQL: a Core connection on which each statement commits by itself (for
        writes that are one atomic statement; no BEGIN and COMMIT round trips)."""
        if self._autocommit_engine is None:
            raise ValueError("autocommit connections are for PostgreSQL")
        with self._autocommit_engine.connect() as conn:
            yield conn

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self._autocommit_engine is not None:
            self._autocommit_engine.dispose()


def connection_of(db: Session | Connection) -> Connection:
    """The connection behind `db` (a session's joins its transaction), for Core statements."""
    return db.connection() if isinstance(db, Session) else db


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event issue BEGIN instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = connection.get_execution_options().get(_READ_ONLY, False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")
