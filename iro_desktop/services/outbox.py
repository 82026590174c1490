"""The outbox: review documents kept inside the encrypted vault until they are sent.

Queuing builds each copy in memory (Word record, decisions, letter, a group's redacted
copy, plus the review's JSON for the council's return) and stores the bytes in the
council's own encrypted database, state ``ready``. Nothing is written to disk then.

Sending writes a council's ready items into that council's delivery folder (a
OneDrive/SharePoint-synced or network folder, set in the council profile) as one batch:
every file under a temporary ``.iro-partial-`` name, fsynced, then moved to its final
name (never over an existing file), then a manifest with each file's SHA-256, written
last. Only then are the items marked ``delivered``. A missing, read-only or full folder
leaves no file behind and the outbox as it was. After the council's retention period the
content of delivered items is purged; the row stays as the record of which copy went to
whom. See ``docs/outbox.md``. Qt-free: the window and the CLI both use this service.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from iro_desktop import __version__
from iro_desktop.core.models import Council
from iro_desktop.core.records import Person, ReviewRecord
from iro_desktop.core.redaction import GROUPS, ROLE_GROUPS
from iro_desktop.core.text import slug
from iro_desktop.export import parse_variant
from iro_desktop.export.variants import Copy, copies_for, variant_name
from iro_desktop.fsutil import PRIVATE_FILE, fsync_dir
from iro_desktop.security.errors import VaultError
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.services.export import ExportService
from iro_desktop.services.returns import review_json
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import ChildRow, OutboxItemRow, ReviewRow
from iro_desktop.storage.repositories import audit
from iro_desktop.storage.vault import Vault

MANIFEST_VERSION = "1.0"
READY, DELIVERED, PURGED = "ready", "delivered", "purged"
STATES = (READY, DELIVERED, PURGED)
PARTIAL_PREFIX = ".iro-partial-"
DATA_VARIANT = "data"  # the review's JSON for the council's return
# The council's own copies (full record, decisions, data) and the recipient groups of
# core.redaction, whose copies are the letter (the child) and the redacted copies.
GROUP_LABELS = {"council": "The council", **GROUPS}


class OutboxError(VaultError):
    code = "outbox.error"


# ---- plain objects for the window and the CLI ------------------------------------------


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One copy in the outbox (metadata only: the content stays in the vault)."""

    id: int
    council_id: str
    council_code: str
    review_id: int
    child_ref: str
    review_number: int
    review_date: date | None
    review_status: str  # "finalised" or "draft": the record when this copy was made
    kind: str  # "docx" | "json"
    variant: str
    recipient_group: str
    recipients: str
    filename: str
    sha256: str
    size: int
    state: str
    created_at: datetime
    delivered_at: datetime | None
    delivered_to: str
    purged_at: datetime | None
    last_error: str

    @property
    def state_text(self) -> str:
        """The state in plain words for a list: ready, or when and where it was sent."""
        if self.state == READY or self.delivered_at is None:
            return "Ready to send" + (" (the last try failed)" if self.last_error else "")
        text = f"Sent {self.delivered_at:%d/%m/%Y %H:%M} to {self.delivered_to}"
        if self.state == PURGED and self.purged_at is not None:
            text += f"; content purged {self.purged_at:%d/%m/%Y}"
        return text

    def as_dict(self) -> dict[str, object]:
        return {k: (v.isoformat() if isinstance(v, date | datetime) else v)
                for k, v in asdict(self).items()}


@dataclass(frozen=True, slots=True)
class CouncilSend:
    council_code: str
    council_name: str
    folder: str
    files: tuple[str, ...] = ()
    manifest: str = ""
    error: str = ""


@dataclass(frozen=True, slots=True)
class SendReport:
    councils: list[CouncilSend] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(c.error for c in self.councils)

    @property
    def delivered(self) -> int:
        return sum(len(c.files) for c in self.councils if not c.error)


@dataclass(frozen=True, slots=True)
class CouncilPurge:
    council_code: str
    retention_days: int
    purged: int


@dataclass(frozen=True, slots=True)
class PurgeReport:
    councils: list[CouncilPurge]
    dry_run: bool

    @property
    def purged(self) -> int:
        return sum(c.purged for c in self.councils)


@dataclass(frozen=True, slots=True)
class Reachability:
    """Whether a council's delivery folder can be written now; ``reason`` says why not."""

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


# ---- variants and file names -----------------------------------------------------------


def check_variant(text: str) -> str:
    """A variant as typed -> its canonical form ("full", "redacted:parents"...).
    Raises ValueError listing the choices for anything the Word export cannot make."""
    return variant_name(*parse_variant(text))


def _file_name(code: str, child_ref: str, number: int, variant: str, day: date | None,
               ext: str) -> str:
    """Council code, child reference, review number, variant and review date; never a
    name. The Word copies use ``ExportService.filename`` where it exists."""
    return (f"{slug(code, 12)}_{slug(child_ref)}_review{number}_{slug(variant)}_"
            f"{day.isoformat() if day else 'undated'}.{ext}")


def _group(variant: str) -> str:
    if variant.startswith(("redacted:", "decisions:")):
        return variant.partition(":")[2]
    return "child" if variant == "letter" else "council"


# ---- the service -----------------------------------------------------------------------

# Storing copies and sending them happen one at a time in this process: the auto-send and
# the queue dialog work on worker threads, and a send must not deliver a copy that is
# being replaced, nor two sends deliver the same items twice.
_OUTBOX_LOCK = threading.RLock()


class OutboxService:
    def __init__(self, vault: Vault, exports: ExportService | None = None, *,
                 now: Callable[[], datetime] = datetime.now) -> None:
        self.vault = vault
        self.exports = exports or ExportService(vault)
        self.reviews = ReviewService(vault)
        self.profiles = CouncilProfileService(vault)
        self._now = now

    @classmethod
    def of_exports(cls, exports: ExportService) -> OutboxService:
        """The outbox of the vault ``exports`` works on, making its copies with it (the
        window's review pages, which hold services and not the vault)."""
        return cls(exports.vault, exports)

    @classmethod
    def of_reviews(cls, reviews: ReviewService) -> OutboxService:
        """The outbox of the vault ``reviews`` works on."""
        return cls(reviews.vault)

    def councils(self) -> list[Council]:
        """The councils whose outbox can be shown."""
        return self.vault.councils()

    # ---- queue -------------------------------------------------------------------

    def queue(self, council_id: str, review_id: int, variants: Sequence[str], *,
              recipients: dict[str, str] | None = None) -> list[OutboxItem]:
        """Build each copy in memory and keep it in the vault as ready to send, with the
        review's JSON. A still-ready copy of the same review and variant is replaced
        (a delivered one never is). All or nothing: a copy that cannot be built stops
        the whole call before anything is stored."""
        wanted = list(dict.fromkeys(check_variant(v) for v in variants))
        if not wanted:
            raise OutboxError("Choose at least one copy to put in the outbox.")
        who = {(k if k == DATA_VARIANT else check_variant(k)): v.strip()
               for k, v in (recipients or {}).items()}
        council = self.vault.council(council_id)
        # The record and the network are read once, and every copy, its file name, the
        # review data and who each copy is for are made from that one read.
        record = self.reviews.record(council_id, review_id)
        network = self.reviews.network(council_id, record.child.id)
        now = self._now()
        day = record.review_date
        built: list[tuple[str, str, bytes, str]] = []  # variant, kind, content, filename
        for variant in wanted:
            content = self.exports.export_review(council_id, review_id, variant,
                                                 today=now.date(), record=record,
                                                 network=network)
            built.append((variant, "docx", content,
                          self._docx_name(council_id, review_id, variant, council.code,
                                          record, day)))
        data = json.dumps(review_json(self.vault, council_id, review_id, record=record,
                                      network=network),
                          indent=2, ensure_ascii=False).encode("utf-8")
        built.append((DATA_VARIANT, "json", data,
                      _file_name(council.code, record.child.record.child_ref, record.number,
                                 DATA_VARIANT, day, "json")))
        copies = functools.cache(lambda: copies_for(record, network))
        for_whom = {variant: who.get(variant) or self._default_recipients(
            record, variant, council.name, network, copies) for variant, *_ in built}
        ids = []
        with _OUTBOX_LOCK, self.vault.session(council_id) as s:
            for variant, kind, content, name in built:
                row = s.scalars(select(OutboxItemRow).where(
                    OutboxItemRow.review_id == review_id, OutboxItemRow.variant == variant,
                    OutboxItemRow.state == READY)).first()
                if row is None:
                    row = OutboxItemRow(review_id=review_id, variant=variant, state=READY,
                                        delivered_to="")
                    s.add(row)
                row.kind, row.filename, row.content = kind, name, content
                row.sha256, row.size = hashlib.sha256(content).hexdigest(), len(content)
                row.recipient_group = _group(variant)
                row.recipients = for_whom[variant][:2000]
                row.created_at, row.last_error = now, ""
                s.flush()
                ids.append(row.id)
            audit(s, "outbox.queued", count=len(built))
        return [i for i in self.items(council_id) if i.id in ids]

    def _docx_name(self, council_id: str, review_id: int, variant: str, code: str,
                   record: ReviewRecord, day: date | None) -> str:
        named = getattr(self.exports, "filename", None)  # the export's own naming, if any
        if callable(named):
            return str(named(council_id, review_id, variant, record=record))
        return _file_name(code, record.child.record.child_ref, record.number, variant, day,
                          "docx")

    @staticmethod
    def _default_recipients(record: ReviewRecord, variant: str, council_name: str,
                            network: list[Person], copies: Callable[[], list[Copy]]) -> str:
        """Who a copy is for when the caller does not say: the council for its own
        copies, the child for the letter, the group's people for a redacted copy.
        ``copies()``: ``copies_for(record, network)``, made once for all the copies."""
        council_copies = {"full": "child's case record", "decisions": "decisions, for the "
                          "case record", DATA_VARIANT: "review data for the return"}
        if variant in council_copies:
            return f"{council_name} ({council_copies[variant]})"
        group = _group(variant)
        if group == "child":
            child = record.child.record
            return f"{child.first_name} {child.last_name}".strip() + " (the child)"
        if group.startswith("person:"):
            person = next((p for p in network if f"person:{p.id}" == group), None)
            return f"{person.name} ({person.role})" if person else group
        copy = next((c for c in copies() if c.variant == variant), None)
        own = {c.group for c in copies()} if copy is None else set()
        people = [p for p in network if ROLE_GROUPS.get(p.role) == group
                  and (p.name in copy.people if copy is not None
                       else f"person:{p.id}" not in own)]
        names = "; ".join(f"{p.name} ({p.role})" for p in people)
        return names or GROUP_LABELS.get(group, group)

    # ---- what is in the outbox -----------------------------------------------------

    def items(self, council_id: str | None = None, state: str | None = None, *,
              review_id: int | None = None) -> list[OutboxItem]:
        """Every item (metadata only), oldest first, by council code."""
        if state is not None and state not in STATES:
            raise OutboxError(f"unknown outbox state {state!r}: use one of {', '.join(STATES)}")
        councils = [self.vault.council(council_id)] if council_id else self.vault.councils()
        out: list[OutboxItem] = []
        for council in sorted(councils, key=lambda c: c.code):
            query = (select(OutboxItemRow, ReviewRow, ChildRow.child_ref)
                     .join(ReviewRow, ReviewRow.id == OutboxItemRow.review_id)
                     .join(ChildRow, ChildRow.id == ReviewRow.child_id)
                     .order_by(OutboxItemRow.created_at, OutboxItemRow.id))
            if state is not None:
                query = query.where(OutboxItemRow.state == state)
            if review_id is not None:
                query = query.where(OutboxItemRow.review_id == review_id)
            with self.vault.session(council.id) as s:
                for row, review, child_ref in s.execute(query).all():
                    finalised = (review.finalised_at is not None
                                 and review.finalised_at <= row.created_at)
                    out.append(OutboxItem(
                        id=row.id, council_id=council.id, council_code=council.code,
                        review_id=review.id, child_ref=child_ref, review_number=review.number,
                        review_date=review.held_date or review.planned_date,
                        review_status="finalised" if finalised else "draft",
                        kind=row.kind, variant=row.variant, recipient_group=row.recipient_group,
                        recipients=row.recipients, filename=row.filename, sha256=row.sha256,
                        size=row.size, state=row.state, created_at=row.created_at,
                        delivered_at=row.delivered_at, delivered_to=row.delivered_to,
                        purged_at=row.purged_at, last_error=row.last_error))
        return out

    def distribution(self, council_id: str, review_id: int) -> list[OutboxItem]:
        """Which copy of one review went (or will go) to whom, with state and times."""
        return self.items(council_id, review_id=review_id)

    def content(self, council_id: str, item_id: int) -> bytes | None:
        """An item's bytes (None once purged), e.g. for "Save a copy as..."."""
        with self.vault.session(council_id) as s:
            row = s.get(OutboxItemRow, item_id)
            if row is None:
                raise OutboxError("That item is no longer in the outbox.")
            return row.content

    # ---- sending -------------------------------------------------------------------

    def reachable(self, council_id: str) -> Reachability:
        """A cheap check that the council's delivery folder exists and can be written
        (for "send when back on the council network"); no network calls."""
        folder = self.profiles.values(council_id)["delivery_folder"]
        if not folder:
            return Reachability(False, "no delivery folder is set")
        path = Path(folder).expanduser()
        if not path.exists():
            return Reachability(False, f"the folder {path} cannot be found")
        if not path.is_dir():
            return Reachability(False, f"{path} is a file, not a folder")
        if not os.access(path, os.W_OK):
            return Reachability(False, f"the folder {path} is read-only for you")
        return Reachability(True)

    def auto_send_due(self) -> list[str]:
        """Councils set to send when reachable that have ready items and can be reached."""
        due = []
        for council in self.vault.councils():
            if (self.profiles.values(council.id)["auto_send"] == "1"
                    and self.items(council.id, READY) and self.reachable(council.id)):
                due.append(council.id)
        return due

    def send(self, council_id: str | None = None) -> SendReport:
        """Deliver every ready item, council by council; one council failing does not
        stop the others. The report says, per council, what was written or why not."""
        councils = [self.vault.council(council_id)] if council_id else self.vault.councils()
        report = SendReport()
        for council in councils:
            with _OUTBOX_LOCK:
                self._send_one(council, council_id is None, report)
        return report

    def _send_one(self, council: Council, skip_if_empty: bool, report: SendReport) -> None:
        with self.vault.session(council.id) as s:
            ready = s.scalar(select(OutboxItemRow.id).where(OutboxItemRow.state == READY))
        if ready is None and skip_if_empty:
            return
        folder = self.profiles.values(council.id)["delivery_folder"]
        try:
            files, manifest = self._send_council(council.id, folder)
        except VaultError as exc:  # this council only: the others are still sent
            self._note_error(council.id, str(exc))
            report.councils.append(CouncilSend(council.code, council.name, folder,
                                               error=str(exc)))
            return
        report.councils.append(CouncilSend(council.code, council.name, folder,
                                           tuple(files), manifest))

    def _note_error(self, council_id: str, message: str) -> None:
        """Keep the reason on each ready item (shown by ``outbox list``); no state change."""
        try:
            with self.vault.session(council_id) as s:
                for row in s.scalars(select(OutboxItemRow).where(OutboxItemRow.state == READY)):
                    row.last_error = message[:1000]
        except VaultError:
            pass  # the report already carries the message

    def _send_council(self, council_id: str, folder_text: str) -> tuple[list[str], str]:
        council = self.vault.council(council_id)
        items = {i.id: i for i in self.items(council_id, READY)}
        if not items:
            return [], ""

        def fail(reason: str) -> OutboxError:
            where = f" to {folder_text}" if folder_text else ""
            return OutboxError(f"{council.code} ({council.name}): not sent{where}: {reason}. "
                               "Nothing was delivered; the items stay in the outbox.")

        if not folder_text:
            raise fail("no delivery folder is set. Set one with `iro-desktop outbox folder "
                       f"--council {council.code} PATH` or in the council's settings")
        folder = Path(folder_text).expanduser()
        if not folder.exists():
            raise fail("the folder cannot be found. If it is a network, OneDrive or "
                       "SharePoint folder, check you are connected, then send again")
        if not folder.is_dir():
            raise fail("that path is a file, not a folder")
        with self.vault.session(council_id) as s:
            contents: dict[int, bytes] = {
                k: v or b"" for k, v in s.execute(select(
                    OutboxItemRow.id, OutboxItemRow.content).where(
                        OutboxItemRow.id.in_(list(items)))).all()}
        needed = sum(len(c) for c in contents.values())
        try:
            if shutil.disk_usage(folder).free < needed + 65536:  # and room for the manifest
                raise fail(f"the disk is full ({needed // 1024 + 1} KB to write). Free some "
                           "space there and send again")
        except OSError:
            pass  # some network folders do not report space: the writes will tell
        now = self._now()
        batch = _Batch(folder)
        try:
            for item_id, item in items.items():
                batch.add(item.filename, contents[item_id])
            batch.place_all()
            manifest = self._manifest(council_id, items, contents, batch.final_names, now)
            manifest_name = batch.add_manifest(
                f"manifest-{slug(council.code)}-{now:%Y%m%d-%H%M%S}.json", manifest)
        except BaseException as exc:  # also Ctrl+C: no partial file is left behind
            leftover = batch.remove()
            if isinstance(exc, OSError):
                raise fail(_reason(exc) + leftover) from None
            raise
        try:
            with self.vault.session(council_id) as s:
                for item_id, name in zip(items, batch.final_names, strict=True):
                    row = s.get(OutboxItemRow, item_id)
                    assert row is not None
                    row.state, row.delivered_at, row.filename = DELIVERED, now, name
                    row.delivered_to, row.last_error = str(folder), ""
                audit(s, "outbox.sent", count=len(items))
        except BaseException:  # not recorded as delivered: take the files back
            batch.remove()
            raise
        return batch.final_names, manifest_name

    def _manifest(self, council_id: str, items: dict[int, OutboxItem],
                  contents: dict[int, bytes], names: list[str], now: datetime) -> bytes:
        """What was delivered: each file's name and the SHA-256 of the bytes written."""
        council = self.vault.council(council_id)
        return (json.dumps({
            "schema_version": MANIFEST_VERSION,
            "generator": f"iro-desktop {__version__}",
            "council_code": council.code,
            "council_name": council.name,
            "sent_at": now.isoformat(timespec="seconds"),
            "items": [{
                "file": name,
                "sha256": hashlib.sha256(contents[item.id]).hexdigest(),
                "size": len(contents[item.id]),
                "kind": item.kind,
                "variant": item.variant,
                "recipient_group": item.recipient_group,
                "child_ref": item.child_ref,
                "review_number": item.review_number,
                "review_date": item.review_date.isoformat() if item.review_date else None,
                "review_status": item.review_status,
            } for item, name in zip(items.values(), names, strict=True)],
        }, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    # ---- purge ---------------------------------------------------------------------

    def purge(self, council_id: str | None = None, *, dry_run: bool = False) -> PurgeReport:
        """Drop the content of items delivered longer ago than the council's retention
        period (the database zeroes freed pages); ready items are never touched. The row
        stays, as the record of which copy went to whom."""
        councils = [self.vault.council(council_id)] if council_id else self.vault.councils()
        now = self._now()
        out = []
        for council in councils:
            days = int(self.profiles.values(council.id)["retention_days"])
            cutoff = now - timedelta(days=days)
            with self.vault.session(council.id) as s:
                rows = list(s.scalars(select(OutboxItemRow).where(
                    OutboxItemRow.state == DELIVERED, OutboxItemRow.delivered_at <= cutoff)))
                if rows and not dry_run:
                    for row in rows:
                        row.content, row.state, row.purged_at = None, PURGED, now
                    audit(s, "outbox.purged", count=len(rows), retention_days=days)
            out.append(CouncilPurge(council.code, days, len(rows)))
        return PurgeReport(out, dry_run)


# ---- writing a batch into the delivery folder ------------------------------------------


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", -1)):
        return "the disk is full. Free some space there and send again"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "you do not have permission to write there (the folder is read-only)"
    return f"writing failed ({exc.strerror or type(exc).__name__})"


def _write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never over an existing file), write, fsync, close."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 PRIVATE_FILE)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def _claim(tmp: Path, final: Path) -> bool:
    """Give ``tmp``'s file the name ``final`` as well, unless that name is taken (then
    False). ``tmp`` may be gone afterwards (moved) or still there (linked)."""
    try:
        os.link(tmp, final)  # refuses an existing name: nothing is ever overwritten
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links (FAT, some network shares)
        if final.exists():
            return False
        try:
            os.rename(tmp, final)  # on Windows this also refuses an existing name
        except FileExistsError:
            return False
    return True


class _Batch:
    """Files written into one folder that can all be taken back if any step fails."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._pending: list[tuple[Path, str]] = []  # temp file, wanted name
        self._temps: list[Path] = []
        self._placed: list[Path] = []
        self.final_names: list[str] = []

    def add(self, name: str, data: bytes) -> Path:
        tmp = self.folder / f"{PARTIAL_PREFIX}{os.urandom(8).hex()}"
        self._temps.append(tmp)
        _write_new(tmp, data)
        self._pending.append((tmp, name))
        return tmp

    def place_all(self) -> None:
        for tmp, name in self._pending:
            self.final_names.append(self._place(tmp, name).name)
        self._pending.clear()
        fsync_dir(self.folder)

    def add_manifest(self, name: str, data: bytes) -> str:
        tmp = self.add(name, data)
        self._pending.clear()
        placed = self._place(tmp, name).name
        fsync_dir(self.folder)
        return placed

    def _place(self, tmp: Path, name: str) -> Path:
        name = Path(name).name  # a bare file name: never outside the folder
        stem, dot, ext = name.rpartition(".")
        if not dot:
            stem = name
        for n in range(1, 1000):
            candidate = self.folder / (name if n == 1 else f"{stem}-{n}{dot}{ext}")
            if _claim(tmp, candidate):
                self._placed.append(candidate)
                tmp.unlink(missing_ok=True)
                return candidate
        raise OSError(errno.EEXIST, "too many files with the same name")

    def remove(self) -> str:
        """Delete every file of this batch; returns a note if some could not be."""
        stuck = []
        for path in self._temps + self._placed:
            try:
                path.unlink(missing_ok=True)
            except OSError:  # a read-only folder refuses even a missing name
                if os.path.lexists(path):
                    stuck.append(path.name)
        if stuck:
            return (f" (could not remove {', '.join(stuck)} from the folder: delete "
                    "it by hand)")
        return ""
