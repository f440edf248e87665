"""Engine and sessions (SQLAlchemy 1.4 in 2.0 style).

A :class:`Database` is made once by each process's composition root (``create_app``, the
CLI, the action server's ``actions.db``) and passed to whatever needs it; nothing is
opened at import time. Repositories are keyword-only functions over a session;
``await db.run(repo_function, **arguments)`` runs one in a worker thread, inside its own
transaction, so the event loop never waits for the database.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, create_engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

T = TypeVar("T")
logger = logging.getLogger(__name__)

# SQLite waits this long for a lock before "database is locked" (each attempt).
BUSY_TIMEOUT_S = 15.0
# How long :meth:`Database.run_retrying` keeps trying a busy or locked database in all.
RETRY_TOTAL_S = 20.0


class DatabaseBusy(Exception):
    """The database stayed busy or locked for the whole retry period."""


def is_busy(exc: BaseException) -> bool:
    """A database that is busy or locked (try again), not a broken query: SQLite's
    "database is locked" / "database is busy", PostgreSQL's lock timeout, deadlock and
    serialization failures."""
    if not isinstance(exc, OperationalError):
        return False
    message = str(exc.orig if exc.orig is not None else exc).lower()
    if "database is locked" in message or "database is busy" in message:
        return True
    code = getattr(exc.orig, "pgcode", None)
    return code in {"55P03", "40P01", "40001"}


def make_engine(url: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Engine:
    # hide_parameters: a failed query's error (which gets logged) never shows the values
    # it carried (message texts, names).
    kwargs: dict = {"future": True, "pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy_timeout_s}
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
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            # In WAL mode NORMAL is safe from corruption and does not fsync every commit.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

    return engine


class Database:
    """One database: its engine, its sessionmaker, and the ways to use a session."""

    def __init__(self, url: str, busy_timeout_s: float = BUSY_TIMEOUT_S,
                 retry_total_s: float = RETRY_TOTAL_S) -> None:
        self.url = url
        self.retry_total_s = retry_total_s
        self.engine = make_engine(url, busy_timeout_s)
        self.sessionmaker = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)
        # Counts failed calls (bot.metrics: busy, gave_up, error); the app sets its own.
        self.metrics: Any = None

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
        try:
            with self.session() as session:
                return fn(session=session, **arguments)
        except SQLAlchemyError as exc:
            if self.metrics is not None:
                self.metrics.database_error("busy" if is_busy(exc) else "error")
            raise

    async def run(self, fn: Callable[..., T], /, **arguments: Any) -> T:
        """:meth:`call` in a worker thread: the one way async code reaches the database."""
        return await anyio.to_thread.run_sync(functools.partial(self.call, fn, **arguments))

    async def run_retrying(self, fn: Callable[..., T], /, **arguments: Any) -> T:
        """:meth:`run`, tried again with a growing wait (0.1 s doubling, at most 2 s) while
        the database is busy or locked, for ``retry_total_s`` in all; then
        :class:`DatabaseBusy`. For writes that must not be lost (an incoming message):
        each attempt is its own transaction, so a failed one left nothing behind."""
        deadline = time.monotonic() + self.retry_total_s
        delay = 0.1
        attempt = 0
        while True:
            attempt += 1
            try:
                return await self.run(fn, **arguments)
            except OperationalError as exc:
                if not is_busy(exc):
                    raise
                left = deadline - time.monotonic()
                if left <= 0:
                    logger.error("database busy: gave up after %d attempts", attempt)
                    if self.metrics is not None:
                        self.metrics.database_error("gave_up")
                    raise DatabaseBusy(f"busy after {attempt} attempts") from exc
                logger.warning("database busy (attempt %d); trying again in %.1fs", attempt, delay)
                await asyncio.sleep(min(delay, left))
                delay = min(delay * 2, 2.0)

    def dispose(self) -> None:
        self.engine.dispose()


def ping(*, session: Session) -> bool:
    """The database answers (``await db.run(ping)``)."""
    return session.execute(text("SELECT 1")).scalar() == 1
