"""ORM tables of a council database. The schema itself is owned by Alembic migrations
(``storage/migrations``); a test checks these classes and the migrations agree."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Integer, String, Text, UniqueConstraint
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
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="active")
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
