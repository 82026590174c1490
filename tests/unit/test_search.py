"""Search across every council (FTS5 inside the encrypted databases): what an IRO would notice.

Each kind of field is found by a word only it holds; text written by the autosave path
(a Core upsert that knows nothing of search) is found by the next search; queries never
raise; and a locked vault gives nothing, not even results handed out before it locked.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from iro_desktop.core.escalation import Outcome, Stage
from iro_desktop.core.models import Nation
from iro_desktop.core.monitoring import ChangeType, EntryKind
from iro_desktop.core.reviews import DecisionStatus, ReviewStatus
from iro_desktop.security.errors import VaultLockedError
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.services.escalation import EscalationService
from iro_desktop.services.monitoring import MonitoringService
from iro_desktop.services.reviews import ReviewService
from iro_desktop.services.search import (
    MARK_END,
    MARK_START,
    Hit,
    Kind,
    SearchService,
    catch_up,
    fts_query,
    query_words,
)
from tests.conftest import PASSPHRASE

TODAY = date(2026, 6, 30)
HEADER = ("council_code,council_name,child_ref,first_name,last_name,preferred_name,"
          "date_of_birth,gender,legal_status,placement_type,date_became_looked_after,"
          "last_review_date,reviews_held,social_worker,notes\n")


def _import(vault, rows: str) -> None:  # type: ignore[no-untyped-def]
    CaseloadService(vault, today=lambda: TODAY).import_caseload(
        (HEADER + rows).encode(), nations={"NBK": Nation.ENGLAND, "VOH": Nation.WALES})


def _child(vault, code: str, ref: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    council = vault.council_by_code(code)
    entry = next(e for e in CaseloadService(vault, today=lambda: TODAY).entries(council.id)
                 if e.child.record.child_ref == ref)
    return council.id, entry.child.id


@pytest.fixture
def world(vault):  # type: ignore[no-untyped-def]
    """Two councils; one child with a word of its own in every kind of searchable field."""
    _import(vault,
            "NBK,Northbrook City Council,NB1,Zoë,Quillfeather,Zo,01/02/2014,F,C2,U4,"
            "01/03/2020,01/09/2025,9,Harriet Wobblestone,Likes origami dragons\n"
            "NBK,Northbrook City Council,NB2,Sam,Ordinary,,01/02/2012,M,C2,U4,"
            "01/03/2021,01/10/2025,5,Jo Fielding,\n"
            "VOH,Vale of Hafren Council,VH-1,Rhys,Quillfeather,,01/02/2015,M,C2,U4,"
            "01/03/2022,01/11/2025,4,Nia Rowlands,\n")
    cid, child = _child(vault, "NBK", "NB1")
    reviews = ReviewService(vault, today=lambda: TODAY)
    carer = reviews.add_person(cid, child, "Marigold Thistlewood", "Carer", "Brightwater Fostering")
    r1 = reviews.plan_review(cid, child, date(2026, 3, 1))
    reviews.save_texts(cid, {(r1, "voice.views"): "I want a kitten called Pumpernickel.",
                             (r1, "agenda:health"): "Dental check booked with Dr Vantablack."})
    dec = reviews.add_decision(cid, r1, "Arrange saxophone lessons", responsible="Virtual "
                               "school Grimsditch", due_date=date(2026, 4, 1))
    reviews.set_status(cid, r1, ReviewStatus.HELD)
    reviews.update_review(cid, r1, participation_code="PN1")
    reviews.finalise(cid, r1)
    r2 = reviews.plan_review(cid, child, date(2026, 6, 1))
    reviews.update_decision(cid, r2, dec.id, DecisionStatus.NOT_DONE,
                            "Tutor unavailable until Michaelmas")
    MonitoringService(vault, today=lambda: TODAY).add_entry(
        cid, child, EntryKind.SIGNIFICANT_CHANGE, date(2026, 4, 10),
        with_whom="Team manager Oduya", checked="Placement stability after the trampoline "
        "incident", next_step="Ring the headteacher Pemberton",
        change_type=ChangeType.PLACEMENT_MOVE)
    esc = EscalationService(vault, today=lambda: TODAY)
    e = esc.raise_concern(cid, child, "No sibling contact since Candlemas",
                          "Fortnightly contact with the brother", date(2026, 6, 1),
                          opened_on=date(2026, 4, 1), who="Social worker Abernathy")
    esc.record_response(cid, e.stages[0].id, "Agreed to ask the Kestrelford contact centre",
                        responded_on=date(2026, 4, 8))
    esc.close(cid, e.id, Outcome.RESOLVED, "Contact resumed at Larkspur hall",
              closed_on=date(2026, 5, 1))
    return {"vault": vault, "cid": cid, "child": child, "r1": r1, "r2": r2, "carer": carer}


# word -> (kind, label, review number or None)
EVERY_FIELD = {
    "Quillfeather": None,  # two children: checked separately
    "NB1": (Kind.CHILD, "Council reference", None),
    "Wobblestone": (Kind.CHILD, "Social worker", None),
    "origami": (Kind.CHILD, "Caseload notes", None),
    "Thistlewood": (Kind.PERSON, "Person in the child's network", None),
    "Brightwater": (Kind.PERSON, "Person in the child's network", None),
    "Pumpernickel": (Kind.REVIEW_TEXT, "The child's views, in their own words", 10),
    "Vantablack": (Kind.REVIEW_TEXT, "Agenda: Health", 10),
    "saxophone": (Kind.DECISION, "Decision", 10),
    "Grimsditch": (Kind.DECISION, "Decision: who is responsible", 10),
    "Michaelmas": (Kind.DECISION_UPDATE, "Update on an earlier decision", 11),
    "Oduya": (Kind.MONITORING, "Monitoring: with whom", None),
    "trampoline": (Kind.MONITORING, "Monitoring: what was checked", None),
    "Pemberton": (Kind.MONITORING, "Monitoring: next step", None),
    "Candlemas": (Kind.ESCALATION, "Escalation: the concern", None),
    "Fortnightly": (Kind.ESCALATION, "Escalation: resolution wanted", None),
    "Larkspur": (Kind.ESCALATION, "Escalation: outcome", None),
    "Abernathy": (Kind.ESCALATION_STAGE, "Escalation stage: raised with", None),
    "Kestrelford": (Kind.ESCALATION_STAGE, "Escalation stage: response", None),
}


def test_every_kind_of_field_is_found_with_where_it_was(world) -> None:  # type: ignore[no-untyped-def]
    service = SearchService(world["vault"])
    for word, expected in EVERY_FIELD.items():
        if expected is None:
            continue
        kind, label, number = expected
        results = service.search(word)
        assert results.count == 1, word
        group, review, hit = results.flat()[0]
        assert (group.council_code, group.child_ref, group.child_id) == ("NBK", "NB1",
                                                                        world["child"]), word
        assert group.child_name == "Zoë (Zo) Quillfeather"
        assert (hit.kind, hit.label, review.review_number) == (kind, label, number), word
        matched = [piece for piece, is_match in hit.parts() if is_match]
        assert [m.casefold() for m in matched] == [word.casefold()], (word, hit.snippet)


def test_a_name_is_found_in_every_council(world) -> None:  # type: ignore[no-untyped-def]
    results = SearchService(world["vault"]).search("quillfeather")
    assert sorted((g.council_code, g.child_ref) for g in results.groups) == [
        ("NBK", "NB1"), ("VOH", "VH-1")]
    assert all(h.label == "Name" for _g, _r, h in results.flat())


def test_prefixes_accents_and_case(world) -> None:  # type: ignore[no-untyped-def]
    service = SearchService(world["vault"])
    assert service.search("fost").count == 1  # Brightwater Fostering
    assert service.search("ZOE").count == 1 and service.search("zoë").count == 1
    assert service.search("pumpern kitt").count == 1  # every word, each a prefix
    assert service.search("pumpernickel giraffe").count == 0  # every word must match


def test_results_are_grouped_by_child_then_review_newest_first(world) -> None:  # type: ignore[no-untyped-def]
    service = SearchService(world["vault"])
    reviews = ReviewService(world["vault"], today=lambda: TODAY)
    reviews.save_texts(world["cid"], {(world["r2"], "agenda:education"): "Saxophone grade one"})
    MonitoringService(world["vault"], today=lambda: TODAY).add_entry(
        world["cid"], world["child"], EntryKind.CONTACT, TODAY, checked="Saxophone teacher")
    results = service.search("saxophone")
    assert len(results.groups) == 1
    titles = [r.title for r in results.groups[0].reviews]
    assert titles == ["Child's record", "Review 11", "Review 10"]  # 9 held before the app
    assert results.count == 3


def test_a_child_whose_name_matches_comes_before_newer_mentions(world) -> None:  # type: ignore[no-untyped-def]
    vault = world["vault"]
    _import(vault, "NBK,Northbrook City Council,NB3,Tom,Fostergill,,01/02/2013,M,C2,U4,"
                   "01/03/2021,01/10/2025,5,,\n")
    service = SearchService(vault)
    assert service.search("fostergill").count == 1  # indexed now: older than what follows
    MonitoringService(vault, today=lambda: TODAY).add_entry(
        world["cid"], world["child"], EntryKind.CONTACT, TODAY,
        with_whom="Mr Fostergill, Tom's carer, about the sleepover")
    results = service.search("fostergill")
    assert [(g.child_ref, g.name_matched) for g in results.groups] == [("NB3", True),
                                                                        ("NB1", False)]


def test_text_saved_by_the_autosave_path_is_found_by_the_next_search(world) -> None:  # type: ignore[no-untyped-def]
    vault, cid, r2 = world["vault"], world["cid"], world["r2"]
    service = SearchService(vault)
    reviews = ReviewService(vault, today=lambda: TODAY)
    assert service.search("hullabaloo").count == 0
    reviews.save_texts(cid, {(r2, "voice.wants"): "A hullabaloo for my birthday"})
    hits = service.search("hullabaloo").flat()
    assert [(r.review_number, h.label) for _g, r, h in hits] == [
        (11, "What the child wants to happen")]
    reviews.save_texts(cid, {(r2, "voice.wants"): "A quiet birthday"})
    assert service.search("hullabaloo").count == 0
    assert service.search("quiet birthday").count == 1


def test_saving_a_field_again_before_any_search_still_saves(world) -> None:  # type: ignore[no-untyped-def]
    """The autosave path writes the same field many times between two searches (an upsert
    whose conflict clause would override an OR IGNORE inside the trigger)."""
    vault, cid, r2 = world["vault"], world["cid"], world["r2"]
    reviews = ReviewService(vault, today=lambda: TODAY)
    for word in ("first", "second", "third"):
        assert reviews.save_texts(cid, {(r2, "voice.wants"): f"A {word}draft",
                                        (r2, "agenda:health"): f"Health {word}draft"}) == []
    reviews.update_person(cid, world["carer"].id, organisation="Oakfield Carers")
    reviews.update_person(cid, world["carer"].id, organisation="Elmfield Carers")
    service = SearchService(vault)
    assert service.search("firstdraft").count == 0
    assert service.search("seconddraft").count == 0
    assert service.search("thirddraft").count == 2
    assert service.search("oakfield").count == 0 and service.search("elmfield").count == 1


def test_text_finalised_before_the_next_search_is_found(world) -> None:  # type: ignore[no-untyped-def]
    """Review text has no trigger: the text of a review finalised since the last search is
    still compared with the index."""
    vault, cid, r2 = world["vault"], world["cid"], world["r2"]
    service = SearchService(vault)
    assert service.search("quillfeather").count == 2  # the index is up to date
    reviews = ReviewService(vault, today=lambda: TODAY)
    reviews.save_texts(cid, {(r2, "agenda:summary"): "A settled year, said Snufflebottom"})
    reviews.set_status(cid, r2, ReviewStatus.HELD)
    reviews.update_review(cid, r2, participation_code="PN1")
    reviews.finalise(cid, r2)
    assert [r.review_number for _g, r, _h in service.search("snufflebottom").flat()] == [11]
    assert service.search("snufflebottom").count == 1  # and indexed once


def test_rebuild_finds_text_written_behind_the_services_back(world) -> None:  # type: ignore[no-untyped-def]
    """The documented limit: a finalised record's text changed without an amendment is not
    looked at again; rebuilding the index (support) finds it."""
    vault, cid, r1 = world["vault"], world["cid"], world["r1"]
    service = SearchService(vault)
    before = sorted((g.child_ref, h.label) for g, _r, h in service.search("dental").flat())
    with vault.session(cid) as s:
        s.execute(text("UPDATE review_text SET value = 'Orthodontist Zebedee', "
                       "updated_at = '2026-06-30 12:00:00.000000' "
                       "WHERE review_id = :r AND key = 'agenda:health'"), {"r": r1})
    assert service.search("zebedee").count == 0
    assert service.rebuild() > 0
    assert [h.label for _g, _r, h in service.search("zebedee").flat()] == ["Agenda: Health"]
    assert service.search("quillfeather").count == 2  # everything else is back
    assert sorted((g.child_ref, h.label) for g, _r, h in service.search("dental").flat()) == [
        b for b in before if b[1] != "Agenda: Health"]


def test_changes_and_removals_reach_the_index(world) -> None:  # type: ignore[no-untyped-def]
    vault, cid = world["vault"], world["cid"]
    service = SearchService(vault)
    ReviewService(vault).update_person(cid, world["carer"].id, organisation="Oakfield Carers")
    assert service.search("brightwater").count == 0
    assert service.search("oakfield").count == 1
    monitoring = MonitoringService(vault, today=lambda: TODAY)
    entry = monitoring.entries(cid, world["child"])[0]
    monitoring.delete_entry(cid, entry.id)
    assert service.search("trampoline").count == 0
    # an amendment to a finalised record replaces its text in the index
    ReviewService(vault).amend(cid, world["r1"], "agenda:health", "Dental check booked with "
                               "Dr Okonkwo.", "Wrong dentist named")
    assert service.search("vantablack").count == 0
    assert [h.label for _g, _r, h in service.search("okonkwo").flat()] == ["Agenda: Health"]


def test_a_hit_in_text_holding_the_marker_characters_still_splits_cleanly(world) -> None:  # type: ignore[no-untyped-def]
    ReviewService(world["vault"]).save_texts(
        world["cid"], {(world["r2"], "agenda:leisure"): f"odd{MARK_START} text{MARK_END} "
                                                        "then gobbledygook here"})
    hit = SearchService(world["vault"]).search("gobbledygook").flat()[0][2]
    assert [p for p, m in hit.parts() if m] == ["gobbledygook"]
    assert MARK_START not in hit.plain and MARK_END not in hit.plain
    start, end = hit.highlights()[0]
    assert hit.plain[start:end] == "gobbledygook"


HOSTILE = ['"', '""', "AND", "OR NOT", "NEAR(a b)", "*", "a*b", "body:x", "^start", "(", ")",
           "-minus", "+plus", "\x00", "\x02\x03", "🙂", "'; DROP TABLE child; --", "a" * 10_000,
           "x " * 5_000, "e\u0301", "ＦＵＬＬ", "\u202eevil", "NEAR", "{body}: x", "a OR b",
           "\\", "%", "_", "'", "1 2 3", "Zoë's", "o'brien-smith"]


def test_hostile_queries_never_raise_and_find_only_real_words(world) -> None:  # type: ignore[no-untyped-def]
    service = SearchService(world["vault"])
    for query in HOSTILE:
        assert service.search(query).count == 0, query
    assert service.search('"quillfeather" OR NOT zzz*').count == 0  # words, not operators
    assert service.search('quillfeather"').count == 2


def test_query_words_are_quoted_prefixes() -> None:
    assert query_words('fost "care" AND x') == ["fost", "care", "AND", "x"]
    assert fts_query('fost "care" AND x') == '"fost"* "care"* "AND"* "x"'
    assert fts_query("  ** ,, ") is None
    assert fts_query("Zoe\u0308") == '"Zoë"*'  # composed before searching


def test_limit_keeps_the_best_and_says_more_matched(vault) -> None:  # type: ignore[no-untyped-def]
    rows = "".join(f"NBK,Northbrook City Council,NB{i},Ann,Smith{i},,01/02/2014,F,C2,U4,"
                   f"01/03/2020,01/09/2025,9,Jo Fielding,\n" for i in range(6))
    _import(vault, rows)
    service = SearchService(vault, limit=3)
    results = service.search("fielding")
    assert results.count == 3 and results.truncated
    assert service.search("fielding", limit=10).truncated is False


def test_locked_vault_refuses_and_results_handed_out_are_emptied(world) -> None:  # type: ignore[no-untyped-def]
    vault = world["vault"]
    service = SearchService(vault)
    results = service.search("quillfeather")
    assert results.count == 2
    vault.lock()
    assert results.groups == [] and results.count == 0 and results.query == ""
    with pytest.raises(VaultLockedError):
        service.search("quillfeather")
    with pytest.raises(VaultLockedError):
        service.catch_up()
    vault.unlock(PASSPHRASE)
    assert service.search("quillfeather").count == 2
    service.close()
    assert service._on_vault_locked not in vault.locked_listeners


def test_damaged_council_is_skipped_and_the_others_still_answer(world) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.security.errors import DatabaseTamperedError

    vault = world["vault"]
    nbk = vault.council_by_code("NBK")
    vault.damaged[nbk.id] = DatabaseTamperedError("test: marked damaged")
    results = SearchService(vault).search("quillfeather")
    assert [g.council_code for g in results.groups] == ["VOH"]


def test_rows_held_before_the_search_migration_are_indexed_by_the_first_search(
        tmp_path: Path) -> None:
    """A vault made before migration 0004: its records are found once it is upgraded."""
    from alembic import command

    from iro_desktop.storage import migrate
    from iro_desktop.storage.engine import open_engine

    engine = open_engine(tmp_path / "old.db", os.urandom(32))
    try:
        cfg = migrate.alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0003")
            conn.execute(text(
                "INSERT INTO child (child_ref, first_name, last_name, preferred_name, "
                "date_of_birth, gender, legal_status, placement_type, date_became_looked_after, "
                "reviews_held, social_worker, notes, status, created_at, updated_at, "
                "placement_confidential, placement_address) VALUES ('OLD1', 'Ada', "
                "'Featherstonehaugh', '', '2015-01-01', 'F', 'C2', 'U4', '2020-01-01', 0, '', "
                "'', 'active', '2020-01-01', '2020-01-01', 0, '')"))
        migrate.upgrade(engine)
        with Session(engine) as s, s.begin():
            assert catch_up(s) == 2  # name and reference
            found = s.execute(text("SELECT d.field FROM search_names n JOIN search_doc d "
                                   "ON d.id = n.rowid WHERE search_names MATCH :q"),
                              {"q": fts_query("feathers")}).scalars().all()
            assert found == ["name"]
            assert catch_up(s) == 0
    finally:
        engine.dispose()


def test_search_index_lives_only_inside_the_encrypted_database(world, vault_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.helpers import scan_for_plaintext

    SearchService(world["vault"]).search("pumpernickel")  # index built
    world["vault"].close()
    assert scan_for_plaintext([vault_dir], ["Pumpernickel", "Quillfeather", "Vantablack"]) == []


# ---- the index holds no copy of the text; it is built in the background ------------------


def test_the_index_keeps_no_second_copy_of_the_text(world) -> None:  # type: ignore[no-untyped-def]
    vault = world["vault"]
    SearchService(vault).search("pumpernickel")
    with vault.session(world["cid"]) as s:
        tables = set(s.execute(text("SELECT name FROM sqlite_master")).scalars())
        assert "search_index_content" not in tables and "search_names_content" not in tables
        # a contentless table answers which row matched, never the text
        assert s.execute(text("SELECT body FROM search_index WHERE search_index MATCH "
                              "'pumpernickel'")).scalars().all() == [None]


def _backlog(vault, cid: str, rid: int, fields: int) -> int:  # type: ignore[no-untyped-def]
    """``fields`` agenda texts of a review written straight into the database (as an import
    or a migration leaves them), listed for the index but not yet indexed."""
    with vault.session(cid) as s:
        s.execute(text("INSERT INTO review_text (review_id, key, value, updated_at) "
                       "VALUES (:r, :k, :v, '2026-07-01 10:00:00.000000')"),
                  [{"r": rid, "k": f"agenda:item{i}", "v": f"Backlogword{i} about contact"}
                   for i in range(fields)])
        s.execute(text("INSERT INTO search_pending (kind, src_id, field) "
                       "SELECT 2, review_id, key FROM review_text WHERE review_id = :r"),
                  {"r": rid})
    return rid


def test_a_search_never_builds_a_large_backlog_itself_the_indexer_does(world) -> None:  # type: ignore[no-untyped-def]
    from iro_desktop.services import search as search_module

    vault, cid = world["vault"], world["cid"]
    service = SearchService(vault)
    service.search("quillfeather")  # up to date
    _backlog(vault, cid, world["r2"], search_module.INLINE_BATCH * 3)
    results = service.search("backlogword1")
    assert results.incomplete  # answered at once from what is indexed so far
    assert results.count < 111  # backlogword1, 10-19, 100-199 exist: not all indexed yet
    done: list[int] = []
    service.start_indexing(on_done=done.append)
    service._indexer.join(30)
    assert done and done[0] > 0 and not service.indexing
    results = service.search("backlogword1")
    assert not results.incomplete
    assert results.count == 50 and results.truncated  # 111 fields match; the limit is 50
    assert service.search("backlogword299").count == 1


def test_a_search_while_the_index_is_built_does_not_wait_for_the_write_lock(
        world) -> None:  # type: ignore[no-untyped-def]
    """The background indexer holds a council's write lock for each batch; a search
    meanwhile reads what is indexed in a read transaction. Before, it began IMMEDIATE and
    waited for the lock (5 s of busy timeout), then failed with "busy"."""
    import threading
    import time

    vault, cid = world["vault"], world["cid"]
    service = SearchService(vault)
    service.search("quillfeather")  # up to date
    _backlog(vault, cid, world["r2"], 3)  # listed, not yet indexed
    holding, release = threading.Event(), threading.Event()

    def indexer() -> None:  # stands in for a batch of the background indexer
        with vault.session(cid) as s:
            s.execute(text("DELETE FROM search_pending WHERE id < 0"))
            s.execute(text("UPDATE vault_meta SET value = value WHERE key = 'generation'"))
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=indexer)
    thread.start()
    try:
        assert holding.wait(10)
        service._indexer = thread  # the service's own indexer, as far as it can tell
        started = time.perf_counter()
        results = service.search("pumpernickel")
        backlog = service.search("backlogword1")
        elapsed = time.perf_counter() - started
    finally:
        release.set()
        thread.join(10)
    assert elapsed < 1.0
    assert results.count == 1 and results.incomplete  # found; the rest still waits
    assert backlog.count == 0 and backlog.incomplete
    service._indexer = None
    assert service.search("backlogword1").count == 1  # a small backlog: the search indexes it


def test_the_indexer_stops_when_the_vault_locks(world) -> None:  # type: ignore[no-untyped-def]
    vault, cid = world["vault"], world["cid"]
    service = SearchService(vault)
    _backlog(vault, cid, world["r2"], 5000)
    service.start_indexing()
    vault.lock()  # the listener stops the indexer; its next batch finds the vault locked
    service._indexer.join(30)
    assert not service.indexing
    vault.unlock(PASSPHRASE)
    assert service.search("backlogword4999").incomplete  # what was left waits, listed
    service.catch_up()
    assert service.search("backlogword4999").count == 1


def test_snippets_show_control_characters_and_long_gaps_as_one_space(world) -> None:  # type: ignore[no-untyped-def]
    import time

    vault, cid, r2 = world["vault"], world["cid"], world["r2"]
    hostile = "Bell\x07 and escape \x1b[31mred\x1b[0m del\x7f c1\x9b kazoo\u202eevil"
    tabs = "start" + "\t" * 12_000 + "ocarina" + "\t" * 12_000 + "end"
    ReviewService(vault).save_texts(cid, {(r2, "agenda:leisure"): hostile,
                                          (r2, "agenda:health"): tabs})
    service = SearchService(vault)
    hit = service.search("kazoo").flat()[0][2]
    assert not any(ord(c) < 32 or 0x7f <= ord(c) <= 0x9f or c == "\u202e" for c in hit.plain)
    assert [p for p, m in hit.parts() if m] == ["kazoo"]
    started = time.perf_counter()
    hit = service.search("ocarina").flat()[0][2]
    assert time.perf_counter() - started < 0.5
    assert hit.plain == "start ocarina end"


def test_make_snippet_marks_prefixes_and_folds_accents() -> None:
    from iro_desktop.services.search import make_snippet

    text = " ".join(f"w{i}" for i in range(40)) + " Zoë went fostering " + "tail " * 30
    snippet = make_snippet(text, ["zoe", "fost"])
    assert snippet.startswith("\u2026 w37 w38 w39 ") and snippet.endswith(" \u2026")
    assert [p for p, m in Hit(Kind.CHILD, 1, "notes", "", snippet).parts() if m] == [
        "Zoë", "fostering"]
    assert make_snippet("nothing here", ["zzz"]) == "nothing here"  # changed since indexed


def test_plain_search_output_prints_no_stored_control_character(world) -> None:  # type: ignore[no-untyped-def]
    import io

    from iro_desktop.cli_between import _print_results

    vault, cid, r2 = world["vault"], world["cid"], world["r2"]
    ReviewService(vault).save_texts(cid, {(r2, "agenda:leisure"):
                                          "Tuba\x1b]0;owned\x07 lessons\x1b[2J\x7f\tweekly"})
    out = io.StringIO()
    _print_results(SearchService(vault).search("tuba"), out)
    printed = out.getvalue()
    assert "[Tuba]" in printed and "lessons" in printed and "weekly" in printed
    assert not any(ord(c) < 32 and c != "\n" or 0x7f <= ord(c) <= 0x9f for c in printed)
