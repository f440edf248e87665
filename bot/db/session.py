"""Engine and sessions (SQLAlchemy 1.4 in 2.0 style).

A :class:`Database` is made once by each process's composition root (``create_app``, the
CLI, the action server's ``actions.db``) and passed to whatever needs it; nothing is
opened at import time. Repositories are keyword-only functions over a session;
``await db.run(repo_function, **arguments)`` runs one in a worker thread, inside its own
transaction, so the event loop never waits for the database.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

T = TypeVar("T")


def make_engine(url: str) -> Engine:
    # hide_parameters: a failed query's error (which gets logged) never shows the values
    # it carried (message texts, names).
    kwargs: dict = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
            # SQLAlchemy 1.4 opens a new SQLite connection per session (NullPool): keep a
            # few open instead (the profile showed connecting + pragmas on every turn).
            kwargs["poolclass"] = QueuePool
            kwargs["pool_size"] = 5
            kwargs["max_overflow"] = 10
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            cur = dbapi_conn.cursor()
            # WAL lets Rasa's tracker store and the app write the same file.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=15000")
            # In WAL mode NORMAL is safe from corruption and does not fsync every commit.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


class Database:
    """One database: its engine, its sessionmaker, and the ways to use a session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits on success and rolls back on error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()

    def call(self, fn: Callable[..., T], /, **arguments: Any) -> T:
        """``fn(session=…, **arguments)`` in one transaction."""
        with self.session() as session:
            return fn(session=session, **arguments)

    async def run(self, fn: Callable[..., T], /, **arguments: Any) -> T:
        """:meth:`call` in a worker thread: the one way async code reaches the database."""
        return await anyio.to_thread.run_sync(functools.partial(self.call, fn, **arguments))

    def dispose(self) -> None:
        self.engine.dispose()


def ping(*, session: Session) -> bool:
    """The database answers (``await db.run(ping)``)."""
    return session.execute(text("SELECT 1")).scalar() == 1
