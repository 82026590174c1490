"""ORM tables of a council database. The schema itself is owned by Alembic migrations
(``storage/migrations``); a test checks these classes and the migrations agree."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class CouncilRow(Base):
    """The one council this database belongs to (a single row)."""

    __tablename__ = "council"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    nation: Mapped[str] = mapped_column(String(10), nullable=False)
    rules_json: Mapped[str] = mapped_column(Text, nullable=False)
    colour: Mapped[str] = mapped_column(String(7), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class ChildRow(Base):
    __tablename__ = "child"
    __table_args__ = (UniqueConstraint("child_ref", name="uq_child_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_ref: Mapped[str] = mapped_column(String(40), nullable=False)
    first_name: Mapped[str] = mapped_column(String(100), nullable=False)
    last_name: Mapped[str] = mapped_column(String(100), nullable=False)
    preferred_name: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    date_of_birth: Mapped[date] = mapped_column(Date, nullable=False)
    gender: Mapped[str] = mapped_column(String(1), nullable=False)
    legal_status: Mapped[str] = mapped_column(String(2), nullable=False)
    placement_type: Mapped[str] = mapped_column(String(2), nullable=False)
    date_became_looked_after: Mapped[date] = mapped_column(Date, nullable=False)
    reviews_held: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_review_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    social_worker: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    notes: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # "Name (relationship); ..." from the caseload CSV (migration 0010).
    carers: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                        server_default=text("''"))
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
    # Set in the app, never by an import (migration 0003).
    placement_confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                         server_default=text("0"))
    placement_address: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                                   server_default=text("''"))
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class AuditEvent(Base):
    """What happened to this database, as event codes and counts: never child data."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")


class MetaRow(Base):
    """Small key/value facts about the database file (format generation, clean shutdown)."""

    __tablename__ = "vault_meta"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


# ---- reviews (migration 0002) ---------------------------------------------------------


class PersonRow(Base):
    """Someone in the child's network, kept per child and reused at every review."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(60), nullable=False)
    # To the child: "foster carer", "grandmother, kinship carer", "mother" (migration 0010).
    relationship: Mapped[str] = mapped_column(String(100), nullable=False, default="",
                                              server_default=text("''"))
    organisation: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    address: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                         server_default=text("''"))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # The address appears only in the council's full record unless the IRO shares it.
    share_address: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                server_default=text("0"))


class ReviewRow(Base):
    __tablename__ = "review"
    __table_args__ = (UniqueConstraint("child_id", "number", name="uq_review_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    planned_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    held_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    venue: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    participation_code: Mapped[str | None] = mapped_column(String(3), nullable=True)
    advocate_offered: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    advocate_used: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    child_chaired: Mapped[str] = mapped_column(String(12), nullable=False, default="no")
    next_review_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The review before, when the caseload CSV (not the app) holds it (migration 0008).
    previous_held_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    # the record's front sheet, social work activity and sign-off (migration 0006)
    brought_forward: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False,
                                                  server_default=text("0"))
    care_plan_endorsed: Mapped[str] = mapped_column(String(8), nullable=False, default="",
                                                    server_default=text("''"))
    child_seen_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    child_seen_alone_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    midway_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    placement_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    team_manager: Mapped[str] = mapped_column(String(200), nullable=False, default="",
                                              server_default=text("''"))
    manager_name: Mapped[str] = mapped_column(String(200), nullable=False, default="",
                                              server_default=text("''"))
    manager_comments: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                                  server_default=text("''"))
    manager_signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    last_review_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ReviewTextRow(Base):
    """Free text of a review by key (agenda items, the child's views, preparation)."""

    __tablename__ = "review_text"

    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    # Which lines are withheld from whom (core.redaction.encode_line_marks), written in
    # the same statement as the value so a line and its marks never part.
    line_marks: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                            server_default=text("''"))


class AmendmentRow(Base):
    """A change to a finalised record: the earlier text is kept with the reason."""

    __tablename__ = "amendment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(60), nullable=False)
    old_value: Mapped[str] = mapped_column(Text, nullable=False)
    new_value: Mapped[str] = mapped_column(Text, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    old_marks: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                           server_default=text("''"))
    new_marks: Mapped[str] = mapped_column(Text, nullable=False, default="",
                                           server_default=text("''"))


class AgendaItemRow(Base):
    __tablename__ = "agenda_item"
    __table_args__ = (UniqueConstraint("review_id", "key", name="uq_agenda_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    key: Mapped[str] = mapped_column(String(50), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    guidance: Mapped[str] = mapped_column(Text, nullable=False, default="")
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(16), nullable=False)
    ad_hoc: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class AttendanceRow(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("review_id", "person_id", name="uq_attendance"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"),
                                           nullable=False)
    status: Mapped[str] = mapped_column(String(12), nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")


class DecisionRow(Base):
    __tablename__ = "decision"
    # The open decisions, by child (migration 0009): the caseload and the dashboard read
    # only these, and at ten years of records nine in ten decisions are closed.
    __table_args__ = (Index("ix_decision_open", "child_id", "due_date",
                            sqlite_where=text("status NOT IN ('done', 'no_longer_needed')")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"),
                                                  nullable=True)
    responsible_text: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    agenda_key: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class DecisionUpdateRow(Base):
    """How a decision stood at a later review (done / in progress / not done / not needed)."""

    __tablename__ = "decision_update"
    __table_args__ = (UniqueConstraint("decision_id", "review_id", name="uq_decision_update"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"),
                                             nullable=False, index=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    comment: Mapped[str] = mapped_column(Text, nullable=False, default="")
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


# ---- minutes and the outbox (migration 0003) -------------------------------------------


class CouncilSettingRow(Base):
    """The council's profile as key/value text (marking, delivery folder, retention...)."""

    __tablename__ = "council_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class CouncilAssetRow(Base):
    """A file the council supplied: its Word template ("template") or logo ("logo")."""

    __tablename__ = "council_asset"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class TextMarkRow(Base):
    """A mark on one field of a review: "letter" (goes into the letter to the child) or
    "withhold:<group>" (left out of that recipient group's copy)."""

    __tablename__ = "text_mark"

    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           primary_key=True)
    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    mark: Mapped[str] = mapped_column(String(40), primary_key=True)


class WithholdingRow(Base):
    """A decision or person of the child withheld from a recipient ("parents",
    "person:12"). Kept per child, not per review, so the mark follows the decision or
    person into every later review and copy."""

    __tablename__ = "withholding"

    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"),
                                          primary_key=True)
    subject: Mapped[str] = mapped_column(String(40), primary_key=True)  # decision:<id>, person:<id>
    recipient: Mapped[str] = mapped_column(String(40), primary_key=True)


class OutboxItemRow(Base):
    """A document waiting to be delivered to the council, kept inside the encrypted
    database. After delivery and the retention period its content is purged; the row
    stays as the record of which copy went to whom."""

    __tablename__ = "outbox_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="CASCADE"),
                                           nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # "docx" | "json"
    variant: Mapped[str] = mapped_column(String(20), nullable=False)
    recipient_group: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    recipients: Mapped[str] = mapped_column(Text, nullable=False, default="")
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    content: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    state: Mapped[str] = mapped_column(String(12), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    delivered_to: Mapped[str] = mapped_column(Text, nullable=False, default="")
    purged_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, nullable=False, default="")


# ---- between reviews: monitoring, escalation, search (migration 0004) ------------------


class MonitoringEntryRow(Base):
    """Something the IRO did or heard between reviews: a midway review, a contact, a visit,
    or a significant change reported (which may bring the next review forward)."""

    __tablename__ = "monitoring_entry"
    # The entries that bring a review forward (migration 0009): every caseload and
    # dashboard read looks for these, and they are few among years of contacts and visits.
    __table_args__ = (Index("ix_monitoring_brought_forward", "child_id",
                            sqlite_where=text("bring_forward_to IS NOT NULL")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(24), nullable=False)
    entry_date: Mapped[date] = mapped_column(Date, nullable=False)
    with_whom: Mapped[str] = mapped_column(Text, nullable=False, default="")
    checked: Mapped[str] = mapped_column(Text, nullable=False, default="")
    next_step: Mapped[str] = mapped_column(Text, nullable=False, default="")
    change_type: Mapped[str] = mapped_column(String(24), nullable=False, default="")
    bring_forward_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class EscalationRow(Base):
    """A concern the IRO raised about a child's plan (dispute resolution)."""

    __tablename__ = "escalation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"),
                                          nullable=False, index=True)
    concern: Mapped[str] = mapped_column(Text, nullable=False)
    resolution_wanted: Mapped[str] = mapped_column(Text, nullable=False, default="")
    timescale: Mapped[date | None] = mapped_column(Date, nullable=True)
    opened_on: Mapped[date] = mapped_column(Date, nullable=False)
    outcome: Mapped[str] = mapped_column(String(24), nullable=False, default="")
    outcome_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class EscalationStageRow(Base):
    """One stage of an escalation: informal, formal 1-3 or the referral to Cafcass."""

    __tablename__ = "escalation_stage"
    __table_args__ = (UniqueConstraint("escalation_id", "stage", name="uq_escalation_stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    escalation_id: Mapped[int] = mapped_column(ForeignKey("escalation.id", ondelete="CASCADE"),
                                               nullable=False, index=True)
    stage: Mapped[str] = mapped_column(String(12), nullable=False)
    who: Mapped[str] = mapped_column(String(200), nullable=False)
    raised_on: Mapped[date] = mapped_column(Date, nullable=False)
    response_due: Mapped[date | None] = mapped_column(Date, nullable=True)
    response: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)


class SearchPendingRow(Base):
    """Rows changed since the search index last caught up. Filled by triggers on the
    source tables (so no writer needs to know about search), emptied by the search
    service. ``field`` is "" for "every field of that row", else one review text key.

    No constraint beyond the row id, on purpose: a trigger whose insert could fail makes
    SQLite keep a statement journal of every page the firing statement changes, which
    cost an autosave of a long field about half a millisecond. The triggers insert only
    when the same entry is not there yet."""

    __tablename__ = "search_pending"
    __table_args__ = (Index("ix_search_pending_key", "kind", "src_id", "field"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[int | None] = mapped_column(Integer, nullable=True)
    src_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    field: Mapped[str | None] = mapped_column(String(60), nullable=True)


class SearchDocRow(Base):
    """Which source field each row of the FTS5 tables ``search_index`` and ``search_names``
    holds (its rowid is this id), so a changed field replaces exactly its own entry."""

    __tablename__ = "search_doc"
    __table_args__ = (UniqueConstraint("kind", "src_id", "field", name="uq_search_doc"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[int] = mapped_column(Integer, nullable=False)
    src_id: Mapped[int] = mapped_column(Integer, nullable=False)
    field: Mapped[str] = mapped_column(String(60), nullable=False)
    # review text: the updated_at it was indexed at (a changed one is indexed again)
    stamp: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # where a hit is shown (the index holds the words only: migration 0009)
    child_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    review_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    written: Mapped[float | None] = mapped_column(Float, nullable=True)  # seconds since 1970
