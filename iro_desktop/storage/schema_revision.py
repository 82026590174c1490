"""The newest Alembic revision of a council database, in a module that imports nothing:
the read-only open (``storage/readonly.py``) checks it without importing SQLAlchemy.
``storage/migrate.py`` re-exports it; tests/unit/test_migrations.py keeps it true."""

HEAD_REVISION = "0010"
