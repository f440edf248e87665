"""Where a value is stored: every column of every row of every table of a database.

The tables come from SQLAlchemy's inspection of the live schema (Rasa's ``events``
included), so a table added later is scanned without changing a test. Values are compared
as text (JSON as stored, numbers as digits), which finds a Telegram id in an integer
column and a phrase inside a JSON payload.
"""

from __future__ import annotations

from sqlalchemy import inspect, text

from bot.db.session import Database


def every_value(db: Database) -> list[tuple[str, str, str]]:
    """(table, column, value as text) of every non-NULL value in the database."""
    found = []
    with db.engine.connect() as conn:
        schema = inspect(conn)
        for table in schema.get_table_names():
            columns = [c["name"] for c in schema.get_columns(table)]
            quoted = ", ".join(f'"{c}"' for c in columns)
            for row in conn.execute(text(f'SELECT {quoted} FROM "{table}"')):
                found += [(table, col, str(value)) for col, value in zip(columns, row, strict=True)
                          if value is not None]
    return found


def where(db: Database, *needles: str) -> set[tuple[str, str]]:
    """Every (table, column) holding one of ``needles``."""
    return {(table, column) for table, column, value in every_value(db)
            if any(n in value for n in needles)}
