"""Retention and minimisation: records of children no longer on the caseload.

A child leaves the caseload when a council's file says so, when a complete file no longer
lists them, or when the IRO removes them (``services/caseload.py``). Their record stays,
out of the caseload, for the council's ``ended_retention_days`` (a council setting,
counted from the day they left). After that it is *flagged*: listed here for the IRO to
purge. Nothing is purged without an explicit confirmation, only flagged children can be
purged, and each purge is logged in the council's audit as counts only.

Purging deletes the child's row; the database's foreign keys remove their network,
reviews, decisions, marks, monitoring notes, escalations and outbox documents with it, and
the council's search index is brought up to date and merged in the same transaction
(``secure_delete`` is on, so the freed pages are overwritten inside the encrypted file).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from iro_desktop.core.models import Child, Council
from iro_desktop.security.errors import VaultError
from iro_desktop.services.caseload import ENDED, ENDED_EVENT
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.storage.models import AuditEvent, ChildRow, OutboxItemRow, PersonRow, ReviewRow
from iro_desktop.storage.repositories import audit, child_from_row
from iro_desktop.storage.vault import Vault

log = logging.getLogger(__name__)


class RetentionError(VaultError):
    code = "retention.error"


@dataclass(frozen=True, slots=True)
class EndedChild:
    """A child off the caseload whose record is still held."""

    council: Council
    child: Child
    ended_on: date
    purge_from: date  # flagged from this day

    def flagged(self, today: date) -> bool:
        return today >= self.purge_from


@dataclass(frozen=True, slots=True)
class PurgeReport:
    council_code: str
    children: int
    reviews: int
    people: int
    outbox_items: int

    def summary(self) -> str:
        return (f"{self.council_code}: purged {self.children} child record(s) with "
                f"{self.reviews} review(s), {self.people} network contact(s) and "
                f"{self.outbox_items} outbox document(s).")


def ended_dates(session, fallback: dict[int, date]) -> dict[int, date]:  # type: ignore[no-untyped-def]
    """When each ended child left the caseload: the latest ``child.ended`` event, else the
    day the record last changed (``fallback``)."""
    out = dict(fallback)
    for (detail,) in session.execute(select(AuditEvent.detail)
                                     .where(AuditEvent.code == ENDED_EVENT)
                                     .order_by(AuditEvent.id)):
        try:
            data = json.loads(detail)
            child_id, on = int(data["child"]), date.fromisoformat(data["on"])
        except (ValueError, KeyError, TypeError):
            continue
        if child_id in out:
            out[child_id] = on
    return out


def _forget_in_search(session) -> None:  # type: ignore[no-untyped-def]
    """Take the purged rows out of the council's search index now (the delete triggers only
    queued them), then merge the index so no segment keeps their words."""
    from iro_desktop.services.search import catch_up

    catch_up(session)
    session.connection().exec_driver_sql(
        "INSERT INTO search_index(search_index) VALUES ('optimize')")


class RetentionService:
    def __init__(self, vault: Vault, today: Callable[[], date] = date.today) -> None:
        self.vault = vault
        self.today = today

    def councils(self) -> list[Council]:
        """The councils open now, whose records this service lists."""
        return self.vault.councils()

    def days(self, council_id: str) -> int:
        return int(CouncilProfileService(self.vault).values(council_id)["ended_retention_days"])

    def ended(self, council_id: str | None = None) -> list[EndedChild]:
        """Every child off the caseload (of one council, or all), earliest purge first."""
        out: list[EndedChild] = []
        for council in self.vault.councils():
            if council_id is not None and council.id != council_id:
                continue
            keep = timedelta(days=self.days(council.id))
            with self.vault.session(council.id) as s:
                rows = list(s.scalars(select(ChildRow).where(ChildRow.status == ENDED)))
                dates = ended_dates(s, {r.id: r.updated_at.date() for r in rows})
            for row in rows:
                on = dates[row.id]
                out.append(EndedChild(council, child_from_row(row, council.id), on, on + keep))
        out.sort(key=lambda e: (e.purge_from, e.council.code, e.child.record.child_ref))
        return out

    def flagged(self, council_id: str | None = None) -> list[EndedChild]:
        """Children whose retention period is over: ready to purge, once confirmed."""
        today = self.today()
        return [e for e in self.ended(council_id) if e.flagged(today)]

    def purge(self, council_id: str, child_ids: Iterable[int], *, confirm: bool) -> PurgeReport:
        """Delete the records of flagged children of one council. ``confirm`` must be True
        (the IRO said yes to a list that named them); a child not flagged is refused and
        then nothing is purged."""
        wanted = sorted(set(child_ids))
        if not confirm:
            raise RetentionError("Nothing was purged: the purge was not confirmed.")
        if not wanted:
            raise RetentionError("Nothing was purged: no children were chosen.")
        council = self.vault.council(council_id)
        flagged = {e.child.id for e in self.flagged(council_id)}
        refused = [cid for cid in wanted if cid not in flagged]
        if refused:
            raise RetentionError(
                f"Nothing was purged: {len(refused)} of the chosen children are still on the "
                f"{council.code} caseload or within its retention period "
                f"({self.days(council_id)} days after leaving the caseload).")
        try:
            report = self._delete(council, wanted)
        except IntegrityError:
            raise RetentionError("The purge could not remove every record linked to these "
                                 "children; nothing was purged.") from None
        log.info("retention.purged council=%s children=%d", council_id, report.children)
        return report

    def _delete(self, council: Council, wanted: list[int]) -> PurgeReport:
        with self.vault.session(council.id) as s:
            reviews = [r for (r,) in s.execute(select(ReviewRow.id)
                                               .where(ReviewRow.child_id.in_(wanted)))]
            people = s.scalar(select(func.count()).select_from(PersonRow)
                              .where(PersonRow.child_id.in_(wanted))) or 0
            outbox = s.scalar(select(func.count()).select_from(OutboxItemRow)
                              .where(OutboxItemRow.review_id.in_(reviews))) if reviews else 0
            for row in s.scalars(select(ChildRow).where(ChildRow.id.in_(wanted))):
                s.delete(row)
            s.flush()
            left = s.scalar(select(func.count()).select_from(ReviewRow)
                            .where(ReviewRow.child_id.in_(wanted)))
            if left:  # foreign keys off would leave orphans: never half-purge
                raise RetentionError("The purge could not remove every linked record; "
                                     "nothing was purged.")
            _forget_in_search(s)
            report = PurgeReport(council.code, len(wanted), len(reviews), int(people),
                                 int(outbox or 0))
            audit(s, "retention.purged", children=report.children, reviews=report.reviews,
                  people=report.people, outbox_items=report.outbox_items)
        return report
