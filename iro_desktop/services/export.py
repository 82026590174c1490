"""Exporting review records as Word documents.

Finds the council, child and review, takes the council's protective marking, Word
template and logo from its profile (:class:`CouncilProfileService`), and hands the
record to :mod:`iro_desktop.export.minutes` (the record, its redacted copies) or
:mod:`iro_desktop.export.letter` (the letter to the child), which build the document in
memory. Nothing is written to disk here: the caller (the CLI, the window, the outbox)
writes the bytes only where the IRO asks.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from iro_desktop.core.models import Council
from iro_desktop.core.records import Person, ReviewRecord
from iro_desktop.export import letter as letter_module
from iro_desktop.core.redaction import RedactionError
from iro_desktop.core.text import slug
from iro_desktop.export.check import LeakError, refuse_if_leaking
from iro_desktop.core.chair import Chair
from iro_desktop.export.letter import LetterError
from iro_desktop.export.minutes import build_record
from iro_desktop.export.template import TemplateError
from iro_desktop.export.variants import (
    VARIANTS,
    Copy,
    View,
    copies_for,
    variant_choices,
    who_gets,
)
from iro_desktop.export.variants import parse_variant
from iro_desktop.security.errors import VaultError
from iro_desktop.services.council_profile import CouncilProfile, CouncilProfileService
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import ChildRow, ReviewRow
from iro_desktop.storage.vault import Vault

# The window and the command line read the variants through this module, not export/.
__all__ = ["VARIANTS", "ExportError", "ExportService", "parse_variant",
           "variant_choices"]


class ExportError(VaultError):
    code = "export.error"


class WithholdingError(ExportError):
    """A copy was refused: tag-like text, or withheld material found in the copy."""

    code = "export.withholding"


def copy_name(kind: str, group: str | None, network: list | None = None) -> str:
    """'parents' copy', 'copy for Sam Whitfield', 'letter to the child', ..."""
    if kind == "letter":
        return "letter to the child"
    if kind == "decisions":
        return "decisions-only copy" + (f" ({group})" if group else "")
    if kind == "full":
        return "full record"
    if group and group.startswith("person:"):
        pid = int(group.partition(":")[2])
        person = next((p for p in network or [] if p.id == pid), None)
        return f"copy for {person.name}" if person else f"copy for person {pid}"
    return f"{group}' copy" if group and group.endswith("s") else f"{group}'s copy"


def copies_with_recipients(record: ReviewRecord, network: list[Person]
                           ) -> list[tuple[Copy, str]]:
    """Each copy of the review as it stands in the window (not yet saved), with whom it is
    for in words: the copies list of the review's Copies page and the outbox dialog."""
    copies = copies_for(record, network)
    return [(copy, who_gets(copy, copies)) for copy in copies]


def tag_problems(record: ReviewRecord, network: list[Person]) -> list[str]:
    """Where the record holds text that looks like a typed withholding tag (no copy can be
    made until it is gone)."""
    return View(record, None, network).tag_problems()


class ExportService:
    def __init__(self, vault: Vault, reviews: ReviewService | None = None, *,
                 chair: str | Chair = "") -> None:
        self.vault = vault
        self.reviews = reviews or ReviewService(vault)
        self.profiles = CouncilProfileService(vault)
        self.chair = Chair.of(chair)

    @classmethod
    def of_reviews(cls, reviews: ReviewService, chair: str | Chair = "") -> ExportService:
        """The export service of the vault ``reviews`` works on, sharing it (the window's
        review pages, which hold the review service and not the vault)."""
        return cls(reviews.vault, reviews, chair=chair)

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
        # Compared in Python: SQLite's lower() folds ASCII only, so "ÉLO-1" would never find
        # "élo-1". An exact match wins over one that differs only in case.
        wanted = ref.casefold()
        with self.vault.session(council.id) as s:
            rows = list(s.execute(select(ChildRow.id, ChildRow.child_ref)))
        ids = [cid for cid, held in rows if held == ref] or [
            cid for cid, held in rows if held.casefold() == wanted]
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
               variant: str = "full", *, today: date | None = None) -> bytes:
        """The review record (or letter, or a redacted copy) as .docx bytes."""
        parse_variant(variant)
        council = self.council(council_code)
        child_id = self.child_id(council, child_ref)
        review_id = self.review_id(council, child_id, child_ref.strip(), review)
        return self.export_review(council.id, review_id, variant, today=today)

    def export_review(self, council_id: str, review_id: int, variant: str = "full", *,
                      today: date | None = None) -> bytes:
        """One review (as the window knows it) as .docx bytes in the given variant."""
        kind, group = parse_variant(variant)
        profile = self.profiles.profile(council_id)
        record = self.reviews.record(council_id, review_id)
        network = self.reviews.network(council_id, record.child.id)
        name = copy_name(kind, group, network)
        try:
            # The copy's view of the record: also refuses a copy for someone not in the
            # child's network.
            view = View(record, "child" if kind == "letter" else group, network,
                        addresses=None if kind in ("full", "redacted") else False)
        except RedactionError as exc:
            raise WithholdingError(f"The {name} was not made: {exc}.") from None
        problems = view.tag_problems()
        if problems:
            listed = "; ".join(problems[:8]) + (f"; and {len(problems) - 8} more"
                                                if len(problems) > 8 else "")
            raise WithholdingError(
                f"The {name} was not made: text that looks like a withholding tag is typed "
                f"in the record ({listed}). Typed tags are not read; nothing is withheld by "
                "them. Delete the tag text, and withhold the line with Ctrl+Shift+W (it "
                "is then highlighted and labelled in the margin).")
        try:
            data = build_record(record, profile.council,
                                variant=f"{kind}:{group}" if group else kind,
                                marking=profile.marking, chair=self.chair, network=network,
                                today=today, advocacy=profile.advocacy,
                                complaints=profile.complaints, **self._assets(profile))
        except LetterError as exc:
            raise ExportError(str(exc)) from None
        except TemplateError as exc:
            raise ExportError(f"{profile.council.code}'s Word template or logo cannot be used: "
                              f"{exc} Choose another in Council settings, or use the built-in "
                              "one.") from None
        # Fail closed: the finished copy is read back, every part of it, and refused if
        # anything its recipient may not read is in it.
        try:
            refuse_if_leaking(data, view.forbidden(network), name)
        except LeakError as exc:
            raise WithholdingError(str(exc)) from None
        return data

    @staticmethod
    def _assets(profile: CouncilProfile) -> dict[str, bytes | None]:
        return {"template": profile.template.content if profile.template else None,
                "logo": profile.logo.content if profile.logo else None}

    def filename(self, council_id: str, review_id: int, variant: str) -> str:
        """A safe suggested file name, e.g. ``NBK_NB927036_review3_redacted-parents_
        2026-11-12.docx``: the council's code and its own child reference, never a name."""
        kind, group = parse_variant(variant)
        council = self.vault.council(council_id)
        record = self.reviews.record(council_id, review_id)
        when = record.review_date
        parts = [slug(council.code, 12), slug(record.child.record.child_ref),
                 f"review{record.number}", f"{kind}-{group}" if group else kind,
                 when.isoformat() if when else "undated"]
        if not record.finalised:
            parts.append("DRAFT")
        return "_".join(parts) + ".docx"

    def letter_text(self, council_id: str, review_id: int, *,
                    today: date | None = None) -> str:
        """The letter to the child as plain text (for the window's readability figure)."""
        record = self.reviews.record(council_id, review_id)
        network = self.reviews.network(council_id, record.child.id)
        values = self.profiles.values(council_id)  # not the template and logo: this is live
        try:
            return letter_module.letter_text(record, chair=self.chair, network=network,
                                             today=today, advocacy=values["advocacy"],
                                             complaints=values["complaints"])
        except LetterError as exc:
            raise ExportError(str(exc)) from None

    def copies(self, council_id: str, review_id: int) -> list[Copy]:
        """Which copy each recipient group gets and who is in it (for the outbox)."""
        record = self.reviews.record(council_id, review_id)
        return copies_for(record, self.reviews.network(council_id, record.child.id))
