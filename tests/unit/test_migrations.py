"""Alembic migrations: HEAD_REVISION is the real head, and a migrated encrypted database has
exactly the schema the ORM classes describe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from iro_desktop.core.models import Nation
from iro_desktop.storage import migrate
from iro_desktop.storage.engine import open_engine
from iro_desktop.storage.models import Base


# The full-text search index (migration 0004) is two FTS5 virtual tables that SQLite backs
# with shadow tables of its own (<name>_data, _idx, _content, _docsize, _config). The ORM
# cannot describe a virtual table, so the schema comparison leaves these out; the search
# tests (tests/unit/test_search.py) check the index itself.
FTS_TABLES = ("search_names", "search_index")


def _not_fts(name: str | None, type_: str, _parent: object) -> bool:
    return not (type_ == "table" and name is not None
                and any(name == t or name.startswith(t + "_") for t in FTS_TABLES))


def _context(conn: sa.Connection, **opts: object) -> MigrationContext:
    return MigrationContext.configure(conn, opts={"include_name": _not_fts, **opts})


@pytest.fixture
def engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    eng = open_engine(tmp_path / "council.db", os.urandom(32))
    yield eng
    eng.dispose()


def test_head_revision_constant_is_alembics_head() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    heads = script.get_heads()
    assert heads == [migrate.HEAD_REVISION], "update storage/schema_revision.py HEAD_REVISION"


def test_revisions_form_one_line_from_the_first() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    chain = list(script.walk_revisions())  # head first
    assert chain[-1].down_revision is None
    assert len(script.get_bases()) == 1


def test_upgrade_runs_once_then_reports_nothing_to_do(engine) -> None:  # type: ignore[no-untyped-def]
    assert migrate.upgrade(engine) is True
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD_REVISION
    assert migrate.upgrade(engine) is False


def test_migrated_schema_matches_the_orm(engine) -> None:  # type: ignore[no-untyped-def]
    migrate.upgrade(engine)
    with engine.connect() as conn:
        context = _context(conn, compare_type=True)
        diffs = compare_metadata(context, Base.metadata)
    assert diffs == []


def test_schema_comparison_would_notice_a_drift(engine) -> None:  # type: ignore[no-untyped-def]
    """Guard: the comparison above is not vacuous."""
    migrate.upgrade(engine)
    drifted = sa.MetaData()
    for table in Base.metadata.sorted_tables:
        table.to_metadata(drifted)
    sa.Table("not_migrated", drifted, sa.Column("id", sa.Integer, primary_key=True))
    drifted.tables["child"].append_column(sa.Column("extra_column", sa.Text))
    with engine.connect() as conn:
        diffs = compare_metadata(_context(conn), drifted)
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in diffs}
    assert {"add_table", "add_column"} <= kinds


def test_vault_databases_are_at_head(vault) -> None:
    council = vault.add_council("NBK", "Northbrook City Council", Nation.ENGLAND)
    with vault.session(council.id) as session:
        assert migrate.current_revision(session.connection()) == migrate.HEAD_REVISION
    path = vault.database_path(council.id)
    assert path.stat().st_size > 0


def test_database_at_the_first_revision_is_brought_to_head(engine) -> None:  # type: ignore[no-untyped-def]
    """A vault made by an older iro-desktop opens in a newer one."""
    from alembic import command

    script = ScriptDirectory.from_config(migrate.alembic_config())
    base = script.get_bases()[0]
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, base)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == base
    assert migrate.upgrade(engine) is (base != migrate.HEAD_REVISION)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.HEAD_REVISION
        assert compare_metadata(_context(conn), Base.metadata) == []


def _insert_child(conn: sa.Connection, *, social_worker: str = "", notes: str = "") -> None:
    """Child 1, in the columns revision 0004 has (later columns take their defaults)."""
    conn.execute(sa.text(
        "INSERT INTO child (id, child_ref, first_name, last_name, preferred_name, "
        "date_of_birth, gender, legal_status, placement_type, date_became_looked_after, "
        "reviews_held, social_worker, notes, status, created_at, updated_at, "
        "placement_confidential, placement_address) VALUES (1, 'R1', 'A', 'B', '', "
        "'2015-01-01', 'F', 'C2', 'U1', '2024-01-01', 0, :worker, :notes, 'active', "
        "'2026-01-01', '2026-01-01', 0, '')"), {"worker": social_worker, "notes": notes})


def test_typed_withhold_tags_become_line_marks(engine) -> None:  # type: ignore[no-untyped-def]
    """Migration 0005: tags typed under the first release become marks beside the text;
    decisions and people withheld at one review are withheld for the child."""
    from alembic import command

    from iro_desktop.core.redaction import decode_line_marks

    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        _insert_child(conn)
        conn.execute(sa.text(
            "INSERT INTO review (id, child_id, number, status, venue, advocate_offered, "
            "advocate_used, child_chaired, created_at, updated_at) VALUES (1, 1, 1, "
            "'recording', '', 0, 0, 'no', '2026-01-01', '2026-01-01')"))
        text = ("Open.\n[withhold from parents] police line\nsame paragraph\n\n"
                "- [withhold from carers, parents] bullet\n[withhold from parnets] typo")
        conn.execute(sa.text("INSERT INTO review_text (review_id, key, value, updated_at) "
                             "VALUES (1, 'agenda:health', :v, '2026-01-01')"), {"v": text})
        conn.execute(sa.text("INSERT INTO text_mark (review_id, key, mark) VALUES "
                             "(1, 'decision:7', 'withhold:parents'), "
                             "(1, 'agenda:safety', 'withhold:parents')"))
    assert migrate.upgrade(engine) is True
    with engine.connect() as conn:
        value, marks = conn.execute(sa.text(
            "SELECT value, line_marks FROM review_text WHERE key = 'agenda:health'")).one()
        assert value == ("Open.\npolice line\nsame paragraph\n\n- bullet\n"
                         "[withhold from parnets] typo")
        assert decode_line_marks(marks, value) == {
            1: frozenset({"parents"}), 2: frozenset({"parents"}),
            4: frozenset({"carers", "parents"})}
        assert conn.execute(sa.text("SELECT child_id, subject, recipient FROM withholding")
                            ).all() == [(1, "decision:7", "parents")]
        assert conn.execute(sa.text("SELECT key, mark FROM text_mark")).all() == [
            ("agenda:safety", "withhold:parents")]


def test_carers_and_relationships_start_empty_and_nothing_is_lost(engine) -> None:  # type: ignore[no-untyped-def]
    """Migration 0010: a child and a person saved before it keep every value; the new
    carers and relationship are empty (printed "not recorded", never guessed)."""
    from alembic import command

    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0009")
        _insert_child(conn, social_worker="Jo", notes="n")
        conn.execute(sa.text(
            "INSERT INTO person (id, child_id, name, role, organisation, address, active, "
            "share_address) VALUES (5, 1, 'Sam', 'Carer', 'Hillside', '1 Road', 1, 0)"))
    assert migrate.upgrade(engine) is True
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT social_worker, notes, carers FROM child")
                            ).one() == ("Jo", "n", "")
        assert conn.execute(sa.text(
            "SELECT name, role, organisation, address, relationship FROM person")
        ).one() == ("Sam", "Carer", "Hillside", "1 Road", "")
