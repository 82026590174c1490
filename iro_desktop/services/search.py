"""Search across every record of every council in the vault (SQLite FTS5).

Each council database holds its own FTS5 tables (migration 0004): ``search_names`` for
children's names and references, ``search_index`` for every other text. So the index is
encrypted with that council's records and erased with them. Triggers on the
searchable tables list the rows that changed in ``search_pending``; before answering,
:meth:`SearchService.search` brings the index up to date from that list (usually a handful
of rows: the fields typed since the last search). Review text, the autosave path, has no
such trigger (it would slow every save): the text of reviews not yet finalised, and of
fields amended, is compared with what was indexed (:func:`_note_changed_text`). So text
saved by any writer is found by the next search, and typing pays nothing extra.

A query is taken as words, never as FTS5 syntax: every word must appear in the same field
(a name, one agenda item's text, one decision...), and each word of two or more letters is
a prefix, so "fost" finds "foster". Accents are folded ("Zoe" finds "Zoë"). Quotes,
operators and stray symbols are ignored rather than raising.

Order: children whose name or reference matches come first, then every other hit, the
most recently written first; at most ``limit`` hits (``truncated`` says when more
matched). Hits are grouped by council and child, then by review. Ranking every match by
relevance (bm25) cost over 100 ms for a common word on 2,000 reviews, so it is not used
(docs/performance.md).

Nothing is cached: results come from the unlocked vault only, a locked vault refuses to
search, and locking empties every result object this service handed out (Python cannot
promise to wipe the strings from memory; see docs/security-design.md).
"""

from __future__ import annotations

import enum
import heapq
import json
import logging
import re
import threading
import time
import unicodedata
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from iro_desktop.core.models import Council
from iro_desktop.core.reviews import TEXT_FIELDS
from iro_desktop.security.errors import DatabaseTamperedError, VaultError, VaultLockedError
from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)

MARK_START, MARK_END = "\x02", "\x03"  # around each matched word in a snippet
SNIPPET_WORDS = 14
DEFAULT_LIMIT = 50
MAX_WORDS = 12
MAX_QUERY = 500  # characters of a query looked at
OPTIMIZE_AFTER = 1000  # documents indexed in one catch-up before the index is merged
BATCH = 50  # listed changes per background transaction (tens of milliseconds)
INLINE_BATCH = 100  # listed changes a search indexes itself before answering
# Seconds between two background batches, at least. Longer than the longest sleep of
# SQLite's busy handler (100 ms), so a search, an autosave or the dashboard waiting for
# the write lock always finds it free between two batches; and at least as long as the
# batch itself, so the indexer never holds the lock more than half the time.
PAUSE = 0.11
MERGE_PAGES = 64  # index pages merged per background step once everything is indexed
AUDIT_SEEN = "search.audit_seen"  # vault_meta: the last audit event looked at
AMENDED = "search.amendment_seen"  # vault_meta: the last amendment looked at


class Kind(enum.IntEnum):
    """What a row of the index came from (the numbers are stored: never renumber)."""

    CHILD = 1
    REVIEW_TEXT = 2
    DECISION = 3
    DECISION_UPDATE = 4
    PERSON = 5
    MONITORING = 6
    ESCALATION = 7
    ESCALATION_STAGE = 8


# Per kind: SQL giving (src_id, field, child_id, review_id, text, stamp) for the pending
# rows; stamp is review text's updated_at (None for the others). Blank text is not indexed.
_PENDING = "SELECT src_id FROM search_pending WHERE kind = {kind} AND id <= {cut}"
_DOCS: dict[Kind, str] = {
    Kind.CHILD: (
        "SELECT id, 'name', id, NULL, "
        "trim(first_name || ' ' || last_name || ' ' || preferred_name), NULL "
        "FROM child WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'ref', id, NULL, child_ref, NULL FROM child WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'social_worker', id, NULL, social_worker, NULL FROM child "
        "WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'notes', id, NULL, notes, NULL FROM child WHERE id IN ({p})"),
    Kind.REVIEW_TEXT: (  # CROSS JOIN: SQLite keeps this order, from the (short) list
        "SELECT t.review_id, t.key, r.child_id, t.review_id, t.value, t.updated_at "
        "FROM (SELECT DISTINCT src_id, field FROM search_pending WHERE kind = 2 "
        "AND id <= {cut}) p "
        "CROSS JOIN review_text t ON t.review_id = p.src_id AND t.key = p.field "
        "CROSS JOIN review r ON r.id = t.review_id"),
    Kind.DECISION: (
        "SELECT id, 'text', child_id, review_id, text, NULL FROM decision WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'responsible', child_id, review_id, responsible_text, NULL "
        "FROM decision WHERE id IN ({p})"),
    Kind.DECISION_UPDATE: (
        "SELECT u.id, 'comment', d.child_id, u.review_id, u.comment, NULL "
        "FROM decision_update u JOIN decision d ON d.id = u.decision_id WHERE u.id IN ({p})"),
    Kind.PERSON: (
        "SELECT id, 'name', child_id, NULL, name || ' (' || role || "
        "CASE WHEN organisation <> '' THEN ', ' || organisation ELSE '' END || ')', NULL "
        "FROM person WHERE id IN ({p})"),
    Kind.MONITORING: (
        "SELECT id, 'with_whom', child_id, NULL, with_whom, NULL FROM monitoring_entry "
        "WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'checked', child_id, NULL, checked, NULL FROM monitoring_entry "
        "WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'next_step', child_id, NULL, next_step, NULL "
        "FROM monitoring_entry WHERE id IN ({p})"),
    Kind.ESCALATION: (
        "SELECT id, 'concern', child_id, NULL, concern, NULL FROM escalation "
        "WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'resolution_wanted', child_id, NULL, resolution_wanted, NULL "
        "FROM escalation WHERE id IN ({p}) "
        "UNION ALL SELECT id, 'outcome_note', child_id, NULL, outcome_note, NULL "
        "FROM escalation WHERE id IN ({p})"),
    Kind.ESCALATION_STAGE: (
        "SELECT s.id, 'who', e.child_id, NULL, s.who, NULL FROM escalation_stage s "
        "JOIN escalation e ON e.id = s.escalation_id WHERE s.id IN ({p}) "
        "UNION ALL SELECT s.id, 'response', e.child_id, NULL, s.response, NULL "
        "FROM escalation_stage s JOIN escalation e ON e.id = s.escalation_id "
        "WHERE s.id IN ({p})"),
}

# The tables whose rows are listed in search_pending by triggers (review text is found
# from the reviews; see _note_changed_text).
_SOURCE_TABLES = {Kind.CHILD: "child", Kind.DECISION: "decision",
                  Kind.DECISION_UPDATE: "decision_update", Kind.PERSON: "person",
                  Kind.MONITORING: "monitoring_entry", Kind.ESCALATION: "escalation",
                  Kind.ESCALATION_STAGE: "escalation_stage"}

# Plain-words labels of each field (review text fields are labelled from TEXT_FIELDS and
# the review's agenda titles).
_LABELS: dict[tuple[Kind, str], str] = {
    (Kind.CHILD, "name"): "Name",
    (Kind.CHILD, "ref"): "Council reference",
    (Kind.CHILD, "social_worker"): "Social worker",
    (Kind.CHILD, "notes"): "Caseload notes",
    (Kind.DECISION, "text"): "Decision",
    (Kind.DECISION, "responsible"): "Decision: who is responsible",
    (Kind.DECISION_UPDATE, "comment"): "Update on an earlier decision",
    (Kind.PERSON, "name"): "Person in the child's network",
    (Kind.MONITORING, "with_whom"): "Monitoring: with whom",
    (Kind.MONITORING, "checked"): "Monitoring: what was checked",
    (Kind.MONITORING, "next_step"): "Monitoring: next step",
    (Kind.ESCALATION, "concern"): "Escalation: the concern",
    (Kind.ESCALATION, "resolution_wanted"): "Escalation: resolution wanted",
    (Kind.ESCALATION, "outcome_note"): "Escalation: outcome",
    (Kind.ESCALATION_STAGE, "who"): "Escalation stage: raised with",
    (Kind.ESCALATION_STAGE, "response"): "Escalation stage: response",
}

NAMES, TEXTS = "search_names", "search_index"  # the two FTS5 tables
# Fields indexed in NAMES (so a name is looked for on its own, quickly); the rest in TEXTS.
_NAME_FIELDS = {(Kind.CHILD, "name"), (Kind.CHILD, "ref")}

_WORD = re.compile(r"[^\W_]+")


class SearchError(VaultError):
    code = "search.error"


# ---- queries ---------------------------------------------------------------------------


def query_words(query: str) -> list[str]:
    """The words of a typed query, as the index would split them (letters and digits)."""
    return _WORD.findall(unicodedata.normalize("NFC", query[:MAX_QUERY]))[:MAX_WORDS]


def fts_query(query: str) -> str | None:
    """An FTS5 MATCH expression for ``query`` taken as plain words, or None if it has none.

    Each word is quoted (so AND, OR, NEAR, quotes and brackets mean nothing) and, if it has
    two or more characters, made a prefix. All words must match."""
    words = query_words(query)
    if not words:
        return None
    return " ".join(f'"{w}"*' if len(w) > 1 else f'"{w}"' for w in words)


# ---- results ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Hit:
    """One field that matched. ``snippet`` has the matched words between MARK_START and
    MARK_END; :meth:`parts` splits it for display."""

    kind: Kind
    source_id: int  # the row the text is in: child, decision, entry, escalation...
    field: str
    label: str
    snippet: str

    def parts(self) -> list[tuple[str, bool]]:
        """(text, matched?) pieces of the snippet, in order."""
        out: list[tuple[str, bool]] = []
        for i, piece in enumerate(re.split(f"[{MARK_START}{MARK_END}]", self.snippet)):
            if piece:
                out.append((piece, i % 2 == 1))
        return out

    @property
    def plain(self) -> str:
        return self.snippet.replace(MARK_START, "").replace(MARK_END, "")

    def highlights(self) -> list[tuple[int, int]]:
        """[start, end) offsets of the matched words in :attr:`plain`."""
        spans, at = [], 0
        for piece, matched in self.parts():
            if matched:
                spans.append((at, at + len(piece)))
            at += len(piece)
        return spans


@dataclass
class ReviewGroup:
    review_id: int | None  # None: the child's record between reviews (names, monitoring...)
    review_number: int | None
    hits: list[Hit] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"Review {self.review_number}" if self.review_number else "Child's record"


@dataclass
class ChildGroup:
    council_id: str
    council_code: str
    child_id: int
    child_ref: str
    child_name: str
    reviews: list[ReviewGroup] = field(default_factory=list)
    name_matched: bool = False  # the child's name or reference matched

    @property
    def hits(self) -> Iterator[Hit]:
        for group in self.reviews:
            yield from group.hits


@dataclass(eq=False)  # compared by identity: the service tracks the ones it handed out
class SearchResults:
    """Hits grouped by child, then review: children whose name matched first, then by their
    most recently written hit. Emptied when the vault locks."""

    query: str
    groups: list[ChildGroup] = field(default_factory=list)
    truncated: bool = False  # more hits than the limit; the oldest were left out
    incomplete: bool = False  # some records were still waiting to be indexed

    @property
    def count(self) -> int:
        return sum(1 for g in self.groups for _ in g.hits)

    def clear(self) -> None:
        self.query = ""
        self.groups = []
        self.truncated = False
        self.incomplete = False

    def flat(self) -> list[tuple[ChildGroup, ReviewGroup, Hit]]:
        return [(g, r, h) for g in self.groups for r in g.reviews for h in r.hits]


# ---- snippets and printable text -------------------------------------------------------

# Control characters (C0, DEL, C1) and invisible direction/format marks: never shown or
# printed raw (an ESC in a record must not drive the terminal that prints a search).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_GAP = re.compile("(?:[\\s\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff])+")
_MAX_GAP = 12  # characters kept between two words of a snippet (punctuation)


def printable(value: str) -> str:
    """``value`` with every run of whitespace or control characters made one space."""
    return _GAP.sub(" ", value).strip()


def _fold(word: str) -> str:
    """As the index compares words: accents removed, case folded."""
    return "".join(c for c in unicodedata.normalize("NFD", word)
                   if not unicodedata.combining(c)).casefold()


def _matcher(words: list[str]) -> Callable[[str], bool]:
    folded = [(_fold(w), len(w) > 1) for w in words]
    prefixes = tuple(w for w, prefix in folded if prefix)
    exact = frozenset(w for w, prefix in folded if not prefix)

    def matches(token: str) -> bool:
        t = token.casefold() if token.isascii() else _fold(token)
        return (bool(prefixes) and t.startswith(prefixes)) or t in exact
    return matches


def make_snippet(text: str, words: list[str], size: int = SNIPPET_WORDS) -> str:
    """About ``size`` words of ``text`` from just before its first word matching ``words``
    (as the search matched them: prefixes, accents and case ignored), matched words
    between MARK_START and MARK_END, whitespace and control characters shown as one space.

    Made in Python from the record itself, because the index holds no copy of the text.
    It stops reading once the snippet is complete, so a long field costs little, and a
    field of 12,000 tabs is one regular-expression scan."""
    # (the marker characters are control characters: gaps drop them, words never hold them)
    matches = _matcher(words)
    head: list[re.Match[str]] = []  # the first words, in case none matches (text changed)
    recent: deque[re.Match[str]] = deque(maxlen=size)  # the words before the current one
    window: list[re.Match[str]] | None = None
    more = False
    for token in _WORD.finditer(text):
        if window is None:
            if matches(token.group()):
                window = [*list(recent)[-3:], token]  # a little of what came before
                continue
            recent.append(token)
            if len(head) < size:
                head.append(token)
            continue
        if len(window) >= size:
            more = True
            break
        window.append(token)
    if window is not None and not more:  # the text ended early: show more of its start
        earlier = list(recent)[:-3] if len(recent) > 3 else []
        while earlier and len(window) < size:
            window.insert(0, earlier.pop())
    if window is None:
        window = head
        more = bool(head) and _WORD.search(text, head[-1].end()) is not None
    if not window:
        return printable(text[:80])
    out: list[str] = []
    if window[0].start() > 0 and _WORD.search(text, 0, window[0].start()):
        out.append("\u2026 ")
    previous: re.Match[str] | None = None
    for token in window:
        if previous is not None:
            gap = _GAP.sub(" ", text[previous.end():token.start()])
            out.append(gap if len(gap) <= _MAX_GAP else gap[:_MAX_GAP] + "\u2026 ")
        word = token.group()
        out.append(f"{MARK_START}{word}{MARK_END}" if matches(word) else word)
        previous = token
    if more:
        out.append(" \u2026")
    return "".join(out)  # gaps are cleaned above; words hold no control characters


# ---- the index -------------------------------------------------------------------------


def _note_changed_text(conn: Connection) -> None:
    """List review text added or changed since it was indexed. review_text has no insert or
    update trigger (migration 0004), so the text that can have changed is looked at: that
    of reviews not finalised (``save_texts`` writes only those), of reviews finalised since
    the last look (``finalise`` records an audit event, whose ids only grow), and of fields
    amended since (a finalised record changes only by amendment). A field is listed when
    its updated_at differs from the one it was indexed at and it is not listed already. No
    clock is involved."""
    changed, audited, amended, last_audit, last_amendment = _text_changes(conn)
    if changed:
        conn.exec_driver_sql("INSERT INTO search_pending (kind, src_id, field) "
                             "VALUES (2, ?, ?)", changed)
    if (last_audit, last_amendment) != (audited, amended):
        conn.exec_driver_sql("INSERT INTO vault_meta (key, value) VALUES (?, ?), (?, ?) "
                             "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                             (AUDIT_SEEN, str(last_audit), AMENDED, str(last_amendment)))


def _text_changes(conn: Connection) -> tuple[list[tuple[int, str]], int, int, int, int]:
    """Review text changed since it was indexed and not yet listed (only reads; see
    :func:`_note_changed_text`), with the audit and amendment marks as stored and as now."""
    marks: dict[str, str] = dict(conn.exec_driver_sql(
        "SELECT key, value FROM vault_meta WHERE key IN (?, ?)", (AUDIT_SEEN, AMENDED)).all())
    audited = int(marks.get(AUDIT_SEEN) or -1)  # -1: never looked, every review counts
    amended = int(marks.get(AMENDED) or 0)
    last_audit = conn.exec_driver_sql("SELECT max(id) FROM audit_event").scalar() or 0
    last_amendment = conn.exec_driver_sql("SELECT max(id) FROM amendment").scalar() or 0
    changed = conn.exec_driver_sql(
        "SELECT t.review_id, t.key FROM ("
        "SELECT id AS review_id, NULL AS key FROM review WHERE status <> 'finalised' OR ? < 0 "
        "UNION SELECT json_extract(detail, '$.review'), NULL FROM audit_event "
        "WHERE id > ? AND code = 'review.finalised' "
        "UNION SELECT review_id, key FROM amendment WHERE id > ?) c "
        "CROSS JOIN review_text t ON t.review_id = c.review_id "
        "AND (c.key IS NULL OR t.key = c.key) "
        "LEFT JOIN search_doc d ON d.kind = 2 AND d.src_id = t.review_id AND d.field = t.key "
        "WHERE (d.stamp IS NULL OR d.stamp <> t.updated_at) AND NOT EXISTS (SELECT 1 FROM "
        "search_pending p WHERE p.kind = 2 AND p.src_id = t.review_id AND p.field = t.key)",
        (audited, audited, amended)).all()
    return ([(int(r[0]), str(r[1])) for r in changed], audited, amended, int(last_audit),
            int(last_amendment))


def has_pending(conn: Connection) -> bool:
    """Whether changes wait to be indexed in this council (after :func:`catch_up`)."""
    return conn.exec_driver_sql("SELECT 1 FROM search_pending LIMIT 1").first() is not None


def waiting(conn: Connection) -> bool:
    """Whether anything waits to be indexed, listed or not (only reads: for a search in a
    read transaction while the background indexer builds the index)."""
    return has_pending(conn) or bool(_text_changes(conn)[0])


def catch_up(session: Session, limit: int | None = None) -> int:
    """Index what changed in one council; returns the fields (re)indexed.

    With ``limit``, at most that many of the oldest listed changes are taken (a batch: the
    background indexer works in batches so that an autosave never waits long for the write
    lock, and a search takes only a small batch itself). Runs in the caller's transaction
    (which holds the write lock: the engine begins every transaction IMMEDIATE), so no row
    can change between reading and clearing the list."""
    conn = session.connection()  # through SQLAlchemy: its errors are the vault's to map
    _note_changed_text(conn)
    cut = None
    if limit is not None:
        cut = conn.exec_driver_sql("SELECT id FROM search_pending ORDER BY id LIMIT 1 "
                                   "OFFSET ?", (max(1, limit) - 1,)).scalar()
    if cut is None:
        cut = conn.exec_driver_sql("SELECT max(id) FROM search_pending").scalar()
    if cut is None:
        return 0
    cut = int(cut)
    old = [r[0] for r in conn.exec_driver_sql(  # from the (short) list, by uq_search_doc
        "SELECT DISTINCT d.id FROM search_pending p CROSS JOIN search_doc d "
        "ON d.kind = p.kind AND d.src_id = p.src_id "
        "WHERE p.id <= ? AND (p.field = '' OR d.field = p.field)", (cut,))]
    # FTS5 writes a new segment whenever a rowid is lower than the one before it in a
    # transaction, so deletes and inserts each go in ascending order.
    old.sort()
    if old:
        for table in (NAMES, TEXTS):  # a row is in one of them; the other ignores the id
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE rowid = ?", [(i,) for i in old])
        conn.exec_driver_sql("DELETE FROM search_doc WHERE id = ?", [(i,) for i in old])
    kinds = [Kind(r[0]) for r in conn.exec_driver_sql(
        "SELECT DISTINCT kind FROM search_pending WHERE id <= ?", (cut,))]
    # Ids count down: FTS5 reads matches in ascending rowid order fastest (descending took
    # ten times as long), so the newest entry comes first without sorting.
    next_id = min(conn.exec_driver_sql("SELECT min(id) FROM search_doc").scalar() or 0, 0) - 1
    docs: list[tuple[int, int, int, str, str | None, int, int | None, float]] = []
    entries: dict[str, list[tuple[int, str]]] = {NAMES: [], TEXTS: []}
    written = time.time()
    for kind in kinds:
        sql = _DOCS[kind].format(p=_PENDING.format(kind=int(kind), cut=cut), cut=cut)
        for src_id, fld, child_id, review_id, value, stamp in conn.exec_driver_sql(sql):
            blank = not value or not value.strip()
            if blank and stamp is None:
                continue
            # Review text keeps a row even when blank, with the time it was read at, so it
            # is not looked at again until it changes.
            docs.append((next_id, int(kind), src_id, fld, stamp, child_id, review_id, written))
            if not blank:
                entries[NAMES if (kind, fld) in _NAME_FIELDS else TEXTS].append(
                    (next_id, value))
            next_id -= 1
    if docs:
        docs.reverse()
        conn.exec_driver_sql("INSERT INTO search_doc (id, kind, src_id, field, stamp, "
                             "child_id, review_id, written) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                             docs)
    for table, rows in entries.items():
        if rows:
            rows.reverse()
            conn.exec_driver_sql(f"INSERT INTO {table} (rowid, body) VALUES (?, ?)", rows)
    conn.exec_driver_sql("DELETE FROM search_pending WHERE id <= ?", (cut,))
    if limit is None and len(docs) >= OPTIMIZE_AFTER:
        # After a large batch (a big import) the index is in many pieces; merging them now
        # keeps later searches quick. The background indexer merges in small steps instead.
        for table in (NAMES, TEXTS):
            conn.exec_driver_sql(f"INSERT INTO {table} ({table}) VALUES ('optimize')")
    return len(docs)


def catch_up_small(session: Session, most: int = INLINE_BATCH) -> bool:
    """Index the listed changes if there are at most ``most`` of them (what was typed
    since the last search); returns False, indexing nothing, when more wait (a rebuild
    under way: the background indexer's work, which a search never waits for)."""
    conn = session.connection()
    _note_changed_text(conn)
    waiting = conn.exec_driver_sql("SELECT count(*) FROM (SELECT 1 FROM search_pending "
                                   "LIMIT ?)", (most + 1,)).scalar_one()
    if waiting > most:
        return False
    if waiting:
        catch_up(session)
    return True


def merge_step(session: Session, pages: int = MERGE_PAGES) -> bool:
    """Merge the index's pieces a little (at most about ``pages`` pages per table); returns
    True while there is more to merge. Many small segments slow every search; one
    'optimize' of a large index would hold the write lock for seconds."""
    conn = session.connection()
    worked = False
    for table in (NAMES, TEXTS):
        before = conn.exec_driver_sql("SELECT total_changes()").scalar_one()
        conn.exec_driver_sql(f"INSERT INTO {table} ({table}, rank) VALUES ('merge', ?)",
                             (pages,))
        worked |= (conn.exec_driver_sql("SELECT total_changes()").scalar_one() - before) >= 2
    return worked


class SearchService:
    """Search every council of an unlocked vault. Make one per window (or command): it
    listens for the vault locking, and :meth:`close` stops that."""

    def __init__(self, vault: Vault, limit: int = DEFAULT_LIMIT) -> None:
        self.vault = vault
        self.limit = limit
        self._issued: weakref.WeakSet[SearchResults] = weakref.WeakSet()
        self._indexer: threading.Thread | None = None
        self.batch_seconds: list[float] = []  # the background indexer's transactions
        self._stop = threading.Event()
        vault.locked_listeners.append(self._on_vault_locked)

    def close(self) -> None:
        if self._on_vault_locked in self.vault.locked_listeners:
            self.vault.locked_listeners.remove(self._on_vault_locked)
        self.stop_indexing()
        self._on_vault_locked()

    def _on_vault_locked(self) -> None:
        self._stop.set()
        for results in list(self._issued):
            results.clear()
        self._issued = weakref.WeakSet()

    @property
    def is_unlocked(self) -> bool:
        """Whether the vault is open (an answer that comes back after it locked is dropped)."""
        return self.vault.is_unlocked

    def _councils(self) -> list[Council]:
        if not self.vault.is_unlocked:
            raise VaultLockedError("The vault is locked: unlock it to search.")
        return self.vault.councils()

    def catch_up(self) -> int:
        """Index every change not yet indexed, in every council; returns docs written."""
        written = 0
        for council in self._councils():
            with self.vault.session(council.id, search_index=True) as s:
                written += catch_up(s)
        return written

    # ---- the background indexer ----------------------------------------------------

    @property
    def indexing(self) -> bool:
        """True while the background indexer is running."""
        return self._indexer is not None and self._indexer.is_alive()

    def start_indexing(self, on_done: Callable[[int], None] | None = None) -> None:
        """Bring every council's index up to date on a background thread, in batches of
        :data:`BATCH` changes (each its own short transaction), then merge the index in
        small steps if anything was indexed. Searches meanwhile answer from what is indexed
        so far. Before that the same thread makes each council's first-write page check
        (:meth:`Vault.check_before_writing`), so the first edit after unlock does not make
        it on the GUI thread. Stops when the vault locks; ``on_done(fields indexed)`` is
        called on that thread when it ends."""
        if self.indexing:
            return
        self._stop = threading.Event()
        stop = self._stop
        self._indexer = threading.Thread(target=self._index_all, args=(stop, on_done),
                                         name="iro-search-index", daemon=True)
        self._indexer.start()

    def stop_indexing(self, timeout: float = 5.0) -> None:
        self._stop.set()
        thread = self._indexer
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def _index_all(self, stop: threading.Event,
                   on_done: Callable[[int], None] | None) -> None:
        written, started = 0, time.perf_counter()
        try:
            # First, the page check each council's first write of this unlock makes, here
            # rather than in the first edit on the GUI thread (Vault.check_before_writing).
            for council in self._councils():
                if stop.is_set():
                    break
                self.vault.check_before_writing(council.id)
            for council in self._councils():
                if council.id in self.vault.damaged:
                    continue
                more, merging, indexed = True, False, 0
                while not stop.is_set():
                    began = time.perf_counter()
                    with self.vault.session(council.id, search_index=True) as s:
                        if more:
                            batch = catch_up(s, BATCH)
                            indexed += batch
                            written += batch
                            more = has_pending(s.connection())
                            # Merged after indexing only: an FTS5 'merge' counts as a
                            # change even with nothing to merge, and would make a council
                            # only read a written one (a new generation, a snapshot at lock).
                            merging = not more and indexed > 0
                        elif merging:
                            merging = merge_step(s)
                    # how long each batch held the write lock (benchmarks/bench_scale.py)
                    held = time.perf_counter() - began
                    self.batch_seconds.append(held)
                    if not more and not merging:
                        break
                    stop.wait(max(PAUSE, held))  # the GUI, autosave and searches go first
        except Exception as exc:  # noqa: BLE001 - locked meanwhile, or damaged: next unlock
            if not stop.is_set():
                log.warning("search.index_failed kind=%s", type(exc).__name__)
        log.info("search.indexed fields=%d s=%.1f stopped=%s", written,
                 time.perf_counter() - started, stop.is_set())
        if on_done is not None:
            on_done(written)

    def rebuild(self) -> int:
        """Drop and rebuild every council's index from the records (for support: e.g. after
        review text was written other than through the review service); returns fields
        indexed."""
        written = 0
        for council in self._councils():
            with self.vault.session(council.id, search_index=True) as s:
                conn = s.connection()
                for table in (NAMES, TEXTS, "search_doc", "search_pending"):
                    conn.exec_driver_sql(f"DELETE FROM {table}")
                conn.exec_driver_sql("DELETE FROM vault_meta WHERE key IN (?, ?)",
                                     (AUDIT_SEEN, AMENDED))
                for kind, table in _SOURCE_TABLES.items():
                    conn.exec_driver_sql(f"INSERT INTO search_pending (kind, src_id, field) "
                                         f"SELECT {int(kind)}, id, '' FROM {table}")
                written += catch_up(s)
        return written

    def search(self, query: str, limit: int | None = None) -> SearchResults:
        """Every record matching all words of ``query`` (see the module docstring)."""
        councils = self._councils()
        limit = self.limit if limit is None else max(1, limit)
        results = SearchResults(query)
        match = fts_query(query)
        if match is None:
            return results
        words = query_words(query)
        # While the background indexer runs it holds each council's write lock in turns:
        # a search then reads what is indexed so far in a read transaction (which never
        # waits for the lock) and leaves the rest to the indexer.
        building = self.indexing
        with ExitStack() as stack:
            # Every council's transaction stays open until the hits are read, so the two
            # steps below see the same rows.
            sessions: list[tuple[Council, Session]] = []
            for council in councils:
                try:
                    if building:
                        s = stack.enter_context(self.vault.read_session(council.id))
                        results.incomplete |= waiting(s.connection())
                    else:
                        s = stack.enter_context(self.vault.session(council.id, search_index=True))
                        # What was typed since the last search, when that is all there is;
                        # never part of a rebuild (the background indexer's work): records
                        # still waiting are found once indexed.
                        results.incomplete |= not catch_up_small(s)
                except DatabaseTamperedError:
                    continue  # named by the vault (damaged); the others are still searched
                sessions.append((council, s))
            # 1. which hits: name matches first, then the newest, across councils
            names, others = [], []
            for council, s in sessions:
                conn = s.connection()
                named = conn.exec_driver_sql(_CANDIDATES.format(t=NAMES), (match, limit)).all()
                rows = conn.exec_driver_sql(_CANDIDATES.format(t=TEXTS),
                                            (match, limit + 1)).all()
                results.truncated |= len(rows) > limit or len(named) == limit
                names.append([(council.id, r[0], r[1] or 0.0) for r in named])
                others.append([(council.id, r[0], r[1] or 0.0) for r in rows[:limit]])
            named_ids = {(c[0], c[1]) for group in names for c in group}
            chosen = list(heapq.merge(*names, key=lambda c: -c[2]))
            chosen += list(heapq.merge(*others, key=lambda c: -c[2]))
            if len(chosen) > limit:
                results.truncated = True
                chosen = chosen[:limit]
            # 2. read them, with snippets made from the records themselves
            found: dict[tuple[str, int], _Found] = {}
            for council, s in sessions:
                mine = [c[1] for c in chosen if c[0] == council.id]
                if mine:
                    found.update(self._read(s, council, words, mine, named_ids))
        by_child: dict[tuple[str, int], ChildGroup] = {}
        for council_id, rowid, _written in chosen:
            f = found.get((council_id, rowid))
            if f is None:  # its record was removed since it was indexed
                continue
            group = by_child.setdefault((council_id, f.group.child_id), f.group)
            group.name_matched |= f.name
            review = next((r for r in group.reviews if r.review_id == f.review_id), None)
            if review is None:
                review = ReviewGroup(f.review_id, f.review_number)
                group.reviews.append(review)
            review.hits.append(f.hit)
        for group in by_child.values():
            # the child's record (names, monitoring, escalations) first, then reviews,
            # newest first
            group.reviews.sort(key=lambda r: (r.review_number is not None,
                                              -(r.review_number or 0)))
        results.groups = list(by_child.values())  # in the order of their first hit
        self._issued.add(results)
        log.info("search.done hits=%d", results.count)
        return results

    @staticmethod
    def _read(s: Session, council: Council, words: list[str], ids: list[int],
              named_ids: set[tuple[str, int]]) -> dict[tuple[str, int], _Found]:
        """The chosen hits of one council with their snippets and labels."""
        conn = s.connection()
        docs = conn.exec_driver_sql(
            "SELECT id, kind, src_id, field, child_id, review_id FROM search_doc "
            "WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(ids),)).all()
        texts = _texts(conn, docs)
        child_ids = sorted({r[4] for r in docs if r[4] is not None})
        review_ids = sorted({r[5] for r in docs if r[5] is not None})
        children = {r[0]: tuple(r[1:]) for r in conn.exec_driver_sql(
            "SELECT id, child_ref, first_name, last_name, preferred_name FROM child "
            "WHERE id IN (SELECT value FROM json_each(?))", (json.dumps(child_ids),))}
        numbers: dict[int, int] = {}
        titles: dict[tuple[int, str], str] = {}
        if review_ids:
            numbers = {r[0]: r[1] for r in conn.exec_driver_sql(
                "SELECT id, number FROM review WHERE id IN (SELECT value FROM json_each(?))",
                (json.dumps(review_ids),))}
        agenda = sorted({(r[5], r[3]) for r in docs
                         if r[1] == Kind.REVIEW_TEXT and r[3].startswith("agenda:")})
        if agenda:  # the titles of just the agenda items hit
            pairs = " OR ".join("(review_id = ? AND key = ?)" for _ in agenda)
            params = tuple(v for rid, key in agenda for v in (rid, key.removeprefix("agenda:")))
            titles = {(r[0], f"agenda:{r[1]}"): r[2] for r in conn.exec_driver_sql(
                f"SELECT review_id, key, title FROM agenda_item WHERE {pairs}", params)}
        out: dict[tuple[str, int], _Found] = {}
        for rowid, kind, src_id, fld, child_id, review_id in docs:
            child = children.get(child_id)
            body = texts.get((kind, src_id, fld))
            if child is None or body is None:
                continue
            ref, first, last, preferred = child
            name = (f"{first} ({preferred}) {last}" if preferred and preferred != first
                    else f"{first} {last}")
            kind = Kind(kind)
            hit = Hit(kind, src_id, fld, _label(kind, fld, review_id, titles),
                      make_snippet(body, words))
            out[(council.id, rowid)] = _Found(
                (council.id, rowid) in named_ids,
                ChildGroup(council.id, council.code, child_id, ref, name),
                review_id, numbers.get(review_id or -1), hit)
        return out


def _texts(conn: Connection, docs: Sequence[Sequence[Any]]
           ) -> dict[tuple[int, int, str], str]:
    """The current text of each (kind, source id, field) in ``docs``, from the records."""
    out: dict[tuple[int, int, str], str] = {}
    by_kind: dict[int, list[Sequence[Any]]] = {}
    for doc in docs:
        by_kind.setdefault(doc[1], []).append(doc)
    for kind, rows in by_kind.items():
        if kind == Kind.REVIEW_TEXT:
            pairs = json.dumps([[r[2], r[3]] for r in rows])
            result = conn.exec_driver_sql(
                "SELECT t.review_id, t.key, t.value FROM json_each(?) j CROSS JOIN review_text "
                "t ON t.review_id = json_extract(j.value, '$[0]') "
                "AND t.key = json_extract(j.value, '$[1]')", (pairs,))
            out.update({(kind, r[0], r[1]): r[2] for r in result})
            continue
        sql = _DOCS[Kind(kind)].format(p="SELECT value FROM json_each(?)")
        ids = json.dumps(sorted({r[2] for r in rows}))
        result = conn.exec_driver_sql(sql, (ids,) * sql.count("json_each(?)"))
        out.update({(kind, r[0], r[1]): r[4] for r in result if r[4]})
    return out


# Candidates: ids in ascending order (the newest first; see catch_up) and when written.
_CANDIDATES = ("SELECT c.rowid, d.written FROM (SELECT rowid FROM {t} WHERE {t} MATCH ? "
               "ORDER BY rowid LIMIT ?) c LEFT JOIN search_doc d ON d.id = c.rowid "
               "ORDER BY c.rowid")


@dataclass(frozen=True, slots=True)
class _Found:
    name: bool  # a match on the child's name or reference
    group: ChildGroup
    review_id: int | None
    review_number: int | None
    hit: Hit


def _label(kind: Kind, fld: str, review_id: int | None,
           titles: dict[tuple[int, str], str]) -> str:
    if kind is Kind.REVIEW_TEXT:
        if fld in TEXT_FIELDS:
            return TEXT_FIELDS[fld]
        if review_id is not None and (review_id, fld) in titles:
            return f"Agenda: {titles[(review_id, fld)]}"
        return "Agenda: " + fld.removeprefix("agenda:").replace("_", " ")
    return _LABELS.get((kind, fld), fld.replace("_", " "))
