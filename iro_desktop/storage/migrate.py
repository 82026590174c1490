"""Bring a council database to the current schema with Alembic.

Opening a vault is on the unlock path, so the common case (already at head)
is answered with one query and Alembic is imported only when a step must run.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# The newest revision in migrations/versions (kept in a module that imports nothing, for the
# read-only open); tests/unit/test_migrations.py keeps it true.
from iro_desktop.storage.schema_revision import HEAD_REVISION as HEAD_REVISION

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def current_revision(conn: Connection) -> str | None:
    exists = conn.execute(
        text("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'")
    ).first()
    if not exists:
        return None
    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    return row[0] if row else None


def alembic_config():  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def upgrade(engine: Engine) -> bool:
    """Run pending migrations; returns True if any ran."""
    with engine.connect() as conn:
        if current_revision(conn) == HEAD_REVISION:
            return False
    from alembic import command

    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True
