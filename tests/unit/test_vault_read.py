"""Reading without the write lock: ``Vault.read_session`` (a deferred transaction on a
connection with ``PRAGMA query_only``) and ``Vault.read_cached``, and the caseload and the
dashboard read that way. A read never waits for a writer (the search indexer, an autosave),
can never write, and leaves generations and the keystore alone."""

from __future__ import annotations

import threading
import time
from datetime import date, datetime

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from iro_desktop.core.models import Nation
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.dashboard import DashboardService
from iro_desktop.storage.models import AuditEvent
from iro_desktop.storage.vault import CONTENT_KEY

TODAY = date(2027, 1, 5)
HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
          "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
          "last_review_date,reviews_held,social_worker,notes\n")
ROWS = (
    "NBK,Northbrook City Council,NB1,Ava,Brook,,01/02/2014,F,C2,U4,01/03/2020,01/06/2026,4,,\n"
    "NBK,Northbrook City Council,NB2,Ben,Cole,,01/02/2013,M,C2,U4,01/03/2020,20/07/2026,4,,\n"
    "VOH,Vale of Hafren Council,VH-1,Rhys,Pugh,,01/02/2013,M,C2,U4,01/03/2021,01/07/2026,6,,\n"
)
NEW_ROW = "NBK,Northbrook City Council,NB3,Cara,Dunn,,01/02/2012,F,C2,U4,01/03/2020,,0,,\n"


@pytest.fixture
def caseload(vault):  # type: ignore[no-untyped-def]
    service = CaseloadService(vault, today=lambda: TODAY)
    service.import_caseload((HEADER + ROWS).encode(),
                            nations={"NBK": Nation.ENGLAND, "VOH": Nation.WALES})
    return service


def _nbk(vault):  # type: ignore[no-untyped-def]
    return vault.council_by_code("NBK").id


def _count(vault, council_id: str, table: str) -> int:  # type: ignore[no-untyped-def]
    with vault.read_session(council_id) as s:
        return int(s.connection().exec_driver_sql(f"SELECT count(*) FROM {table}").scalar())


def test_a_write_inside_a_read_session_is_refused_and_nothing_is_saved(
        vault, caseload) -> None:  # type: ignore[no-untyped-def]
    council_id = _nbk(vault)
    events = _count(vault, council_id, "audit_event")
    generation = vault._require_keystore().generation(council_id)
    with pytest.raises(OperationalError, match="readonly"):
        with vault.read_session(council_id) as s:
            s.connection().exec_driver_sql(
                "INSERT INTO audit_event (at, code, detail) VALUES ('2027-01-05', 'x', '')")
    with pytest.raises(OperationalError, match="readonly"):
        with vault.read_session(council_id) as s:  # through the ORM too
            s.add(AuditEvent(at=datetime.now(), code="x", detail=""))
    assert _count(vault, council_id, "audit_event") == events
    assert vault._require_keystore().generation(council_id) == generation
    assert not vault._pending


def test_a_connection_that_read_can_write_again(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    """The pool hands the same connections to readers and writers: query_only is off for
    every writer, in a session or on a raw connection (checkpoint, hand-over copy)."""
    council_id = _nbk(vault)
    for _ in range(4):  # every pooled connection has been a reader
        with vault.read_session(council_id) as s:
            assert s.connection().exec_driver_sql("PRAGMA query_only").scalar() == 1
    with vault.session(council_id) as s:
        assert s.connection().exec_driver_sql("PRAGMA query_only").scalar() == 0
        s.add(AuditEvent(at=datetime.now(), code="test.written", detail=""))
    raw = vault._engines[council_id].raw_connection()
    try:
        assert raw.driver_connection.execute("PRAGMA query_only").fetchone()[0] == 0
    finally:
        raw.close()
    vault.lock()  # checkpoints the council written: must not be refused


def _hold_write_lock(vault, council_id: str):  # type: ignore[no-untyped-def]
    """A writer on another thread holding the council's write lock with a change not yet
    committed (as the search indexer does for a batch); returns (release, thread)."""
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with vault.session(council_id) as s:
            s.connection().exec_driver_sql(
                "UPDATE child SET notes = 'uncommitted' WHERE child_ref = 'NB1'")
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(10)
    return release, thread


def test_caseload_and_dashboard_do_not_wait_for_a_writer(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    """Before, every read began IMMEDIATE: it waited for the writer's commit (5 s of busy
    timeout), then failed with "busy"."""
    council_id = _nbk(vault)
    release, thread = _hold_write_lock(vault, council_id)
    try:
        started = time.perf_counter()
        entries = caseload.entries()
        board = DashboardService(vault, today=lambda: TODAY).dashboard()
        elapsed = time.perf_counter() - started
        with vault.read_session(council_id) as s:
            notes = s.connection().exec_driver_sql(
                "SELECT notes FROM child WHERE child_ref = 'NB1'").scalar()
    finally:
        release.set()
        thread.join(10)
    assert elapsed < 1.0
    assert sorted(e.child.record.child_ref for e in entries) == ["NB1", "NB2", "VH-1"]
    assert not board.damaged and len(board.overdue) + len(board.due_soon) >= 1
    assert notes == ""  # the last commit, not the writer's change in progress
    with vault.read_session(council_id) as s:
        assert s.connection().exec_driver_sql(
            "SELECT notes FROM child WHERE child_ref = 'NB1'").scalar() == "uncommitted"


def _statements(work):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(Engine, "before_cursor_execute", count)
    try:
        result = work()
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return result, [s for s in seen if not s.startswith(("BEGIN", "PRAGMA", "COMMIT"))]


def test_caseload_again_reads_only_each_councils_generation(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    first, _sql = _statements(caseload.entries)
    again, sql = _statements(caseload.entries)
    assert again == first
    assert len(sql) == len(vault.councils()), sql  # one generation read per council
    assert all("vault_meta" in s for s in sql)


def test_a_change_is_seen_at_once_and_only_its_council_is_read_again(
        vault, caseload) -> None:  # type: ignore[no-untyped-def]
    caseload.entries()
    caseload.import_caseload((HEADER + ROWS + NEW_ROW).encode())  # both councils written
    entries, sql = _statements(caseload.entries)
    assert "NB3" in {e.child.record.child_ref for e in entries}
    assert sum("FROM council " in s for s in sql) == 2
    with vault.session(_nbk(vault)) as s:  # a change in one council only
        s.add(AuditEvent(at=datetime.now(), code="test.written", detail=""))
    again, sql = _statements(caseload.entries)
    assert again == entries
    assert sum("FROM council " in s for s in sql) == 1, sql


def test_a_change_made_on_another_thread_is_seen(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    council_id = _nbk(vault)
    before = {e.child.record.child_ref: e for e in caseload.entries()}
    assert before["NB1"].child.record.notes == ""
    release, thread = _hold_write_lock(vault, council_id)
    release.set()
    thread.join(10)
    after = {e.child.record.child_ref: e for e in caseload.entries()}
    assert after["NB1"].child.record.notes == "uncommitted"


def test_what_was_read_is_forgotten_when_the_vault_locks(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    caseload.entries()
    assert vault._read_cache and vault._readers
    vault.lock()
    assert not vault._read_cache and not vault._readers


def test_the_dashboard_reads_each_council_once(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    """One read transaction per council for every list: reading twice, a write between the
    two (the search indexer's) made the second read everything again."""
    board, sql = _statements(DashboardService(vault, today=lambda: TODAY).dashboard)
    councils = len(vault.councils())
    assert sum(s.startswith("SELECT rules_json FROM council") for s in sql) == councils
    # a read transaction for the lists and one for the open escalations, each council
    assert sum("FROM vault_meta" in s for s in sql) == 2 * councils, sql
    assert [d.child.child_ref for d in board.overdue + board.due_soon]


def test_f5_with_nothing_changed_makes_nothing_again(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    days = [TODAY]
    service = DashboardService(vault, today=lambda: days[0])
    first = service.dashboard()
    again, sql = _statements(service.dashboard)
    assert again == first and again.overdue is not first.overdue
    assert all("FROM vault_meta" in s for s in sql), sql  # only each read's generation
    again.overdue.clear()  # the caller's own lists
    assert service.dashboard() == first
    days[0] = date(2027, 3, 1)  # another day: worked out again
    later = service.dashboard()
    assert later.today == days[0] and later != first
    with vault.session(_nbk(vault)) as s:  # a change: read and made again
        s.connection().exec_driver_sql("UPDATE child SET first_name = 'Eva' "
                                       "WHERE child_ref = 'NB1'")
    names = {d.child.child_name for d in service.dashboard().overdue}
    assert "Eva Brook" in names and "Ava Brook" not in names
    vault.lock()
    assert service._last is None  # no child's name kept while locked


DRIFT_CASES = [  # as tests/unit/test_review_rules.py::test_is_drifting
    [], ["not_done"], ["not_done", "not_done"], ["in_progress", "not_done", "not_done"],
    ["not_done", "not_done", "done"], ["not_done", "in_progress"],
    ["not_done", "in_progress", "not_done"], ["not_done", "done"],
    ["in_progress", "in_progress", "in_progress"], ["no_longer_needed", "not_done"],
    ["not_done", "in_progress", "not_done", "not_done"],
]


def test_drifting_decisions_found_by_sqlite_agree_with_the_rule(vault, caseload) -> None:  # type: ignore[no-untyped-def]
    """Every update sequence of the rule's own table, reviews made newest first (so review
    ids do not follow their numbers), and a closed decision that drifted is left out."""
    from iro_desktop.core.reviews import DecisionStatus, is_drifting
    from iro_desktop.storage.models import DecisionRow, DecisionUpdateRow, ReviewRow
    from iro_desktop.storage.repositories import drifting_decisions

    council_id, now = _nbk(vault), datetime(2026, 1, 1)
    expected: set[int] = set()
    with vault.session(council_id) as s:
        child_id = s.connection().exec_driver_sql(
            "SELECT id FROM child WHERE child_ref = 'NB1'").scalar_one()
        reviews = {}
        for number in range(12, 0, -1):  # the highest number gets the lowest id
            row = ReviewRow(child_id=child_id, number=number, status="finalised",
                            created_at=now, updated_at=now)
            s.add(row)
            s.flush()
            reviews[number] = row.id
        for case, statuses in enumerate(DRIFT_CASES + [["not_done", "not_done"]]):
            closed = case == len(DRIFT_CASES)
            decision = DecisionRow(review_id=reviews[1], child_id=child_id, text=f"D{case}",
                                   status="done" if closed else "open", created_at=now)
            s.add(decision)
            s.flush()
            for n, status in enumerate(statuses, start=2):
                s.add(DecisionUpdateRow(decision_id=decision.id, review_id=reviews[n],
                                        status=status, comment="", at=now))
            if not closed and is_drifting([DecisionStatus(x) for x in statuses]):
                expected.add(decision.id)
    assert len(expected) == 4
    with vault.read_session(council_id) as s:
        assert drifting_decisions(s) == expected


@pytest.mark.parametrize("records_written_before", [True, False])
def test_the_search_indexer_s_writes_keep_what_was_read(
        vault, caseload, records_written_before: bool) -> None:  # type: ignore[no-untyped-def]
    """The background indexer commits every few hundred milliseconds while it builds the
    index: its transactions count as writes (the generation the keystore checks) but leave
    the records as they were, so the dashboard and the caseload are not read again. Also in
    a database whose records no write of this version has changed yet (just upgraded)."""
    council_id = _nbk(vault)
    if not records_written_before:
        raw = vault._engines[council_id].raw_connection()
        try:  # outside any transaction the vault watches
            raw.driver_connection.execute("DELETE FROM vault_meta WHERE key = ?",
                                          (CONTENT_KEY,))
        finally:
            raw.close()
        vault._forget_reads()
    first = caseload.entries()
    generation = vault._require_keystore().generation(council_id)
    with vault.session(council_id, search_index=True) as s:
        s.connection().exec_driver_sql("INSERT INTO search_pending (kind, src_id, field) "
                                       "VALUES (1, 1, '')")
    assert vault._require_keystore().generation(council_id) == generation + 1
    again, sql = _statements(caseload.entries)
    assert again == first and len(sql) == len(vault.councils()), sql
    with vault.session(council_id) as s:  # any other write: read again
        s.connection().exec_driver_sql("UPDATE child SET notes = 'new' WHERE child_ref = 'NB1'")
    after, sql = _statements(caseload.entries)
    assert {e.child.record.child_ref: e.child.record.notes for e in after}["NB1"] == "new"
    assert len(sql) > len(vault.councils())
