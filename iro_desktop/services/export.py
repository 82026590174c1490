"""Exporting review records as Word documents.

Finds the council, child and review, and hands the record to
:mod:`iro_desktop.export.minutes`, which builds the document in memory. Nothing is
written to disk here: the caller (the CLI, later the window) writes the bytes only
where the IRO asks.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from iro_desktop.core.models import Council
from iro_desktop.export.minutes import VARIANTS, build_record
from iro_desktop.security.errors import VaultError
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import ChildRow, ReviewRow
from iro_desktop.storage.vault import Vault


class ExportError(VaultError):
    code = "export.error"


class ExportService:
    def __init__(self, vault: Vault, reviews: ReviewService | None = None) -> None:
        self.vault = vault
        self.reviews = reviews or ReviewService(vault)

    def reviews_overview(self) -> list[dict[str, object]]:
        """Every review of every council, by council code, child reference and number."""
        out: list[dict[str, object]] = []
        for council in self.vault.councils():
            with self.vault.session(council.id) as s:
                rows = s.execute(
                    select(ReviewRow, ChildRow.child_ref, ChildRow.last_name)
                    .join(ChildRow, ChildRow.id == ReviewRow.child_id)
                    .order_by(ChildRow.child_ref, ReviewRow.number)).all()
                for review, child_ref, last_name in rows:
                    when = review.held_date or review.planned_date
                    out.append({
                        "council_code": council.code,
                        "child_ref": child_ref,
                        "last_name": last_name,
                        "review_number": review.number,
                        "date": when.isoformat() if when else None,
                        "status": review.status,
                        "participation_code": review.participation_code,
                    })
        return out

    def council(self, council_code: str) -> Council:
        council = self.vault.council_by_code(council_code.strip())
        if council is None:
            known = ", ".join(c.code for c in self.vault.councils()) or "none"
            raise ExportError(f"no council {council_code.strip().upper()!r} in this vault "
                              f"(councils: {known})")
        return council

    def child_id(self, council: Council, child_ref: str) -> int:
        ref = child_ref.strip()
        with self.vault.session(council.id) as s:
            ids = list(s.scalars(select(ChildRow.id).where(
                func.lower(ChildRow.child_ref) == ref.lower())))
        if not ids:
            raise ExportError(f"no child with reference {ref!r} in {council.code}")
        return ids[0]

    def review_id(self, council: Council, child_id: int, child_ref: str,
                  review: str | int = "latest") -> int:
        summaries = self.reviews.reviews(council.id, child_id)  # highest number first
        if not summaries:
            raise ExportError(f"child {child_ref} in {council.code} has no reviews")
        if review == "latest":
            return summaries[0].id
        try:
            number = int(review)
        except (TypeError, ValueError):
            raise ExportError(f"review must be a number or 'latest', not {review!r}") from None
        match = next((r for r in summaries if r.number == number), None)
        if match is None:
            numbers = ", ".join(str(r.number) for r in reversed(summaries))
            raise ExportError(f"child {child_ref} in {council.code} has no review {number} "
                              f"(reviews: {numbers})")
        return match.id

    def export(self, council_code: str, child_ref: str, review: str | int = "latest",
               variant: str = "full", *, marking: str = "OFFICIAL-SENSITIVE",
               chair: str = "", today: date | None = None) -> bytes:
        """The review record as .docx bytes."""
        if variant not in VARIANTS:
            raise ExportError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
        council = self.council(council_code)
        child_id = self.child_id(council, child_ref)
        review_id = self.review_id(council, child_id, child_ref.strip(), review)
        return self.export_review(council.id, review_id, variant, marking=marking, chair=chair,
                                  today=today)

    def export_review(self, council_id: str, review_id: int, variant: str = "full", *,
                      marking: str = "OFFICIAL-SENSITIVE", chair: str = "",
                      today: date | None = None) -> bytes:
        """The record of one review (as the window knows it) as .docx bytes."""
        if variant not in VARIANTS:
            raise ExportError(f"unknown variant {variant!r}: use one of {', '.join(VARIANTS)}")
        council = self.vault.council(council_id)
        record = self.reviews.record(council_id, review_id)
        network = self.reviews.network(council_id, record.child.id)
        return build_record(record, council, variant=variant, marking=marking, chair=chair,
                            network=network, today=today)
