"""The Alembic migrations (migrations/): up to the newest schema and back down."""

from __future__ import annotations

from sqlalchemy import inspect

from bot.db.session import Database


def test_migration_upgrades_and_downgrades(db: Database) -> None:
    from alembic import command

    from bot.cli import _alembic_config

    tables = set(inspect(db.engine).get_table_names())
    assert {"clients", "casemanagers", "link_codes", "appointments", "language_schools", "escalations"} <= tables
    cfg = _alembic_config()
    cfg.set_main_option("sqlalchemy.url", db.url)
    cfg.attributes["configure_logger"] = False
    command.downgrade(cfg, "base")
    db.dispose()
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
