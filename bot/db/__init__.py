"""Database: SQLAlchemy models, engine/session, repositories (keyword-only functions)."""
