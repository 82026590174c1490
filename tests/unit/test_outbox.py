"""The outbox: queuing copies inside the vault, sending them to the council's delivery
folder with a manifest, listing which copy went to whom, and purging after retention."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import docx
import pytest
from sqlalchemy import select

from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.services.outbox import (
    PARTIAL_PREFIX,
    OutboxError,
    OutboxService,
    check_variant,
)
from iro_desktop.services.reviews import ReviewService
from iro_desktop.storage.models import AuditEvent, OutboxItemRow


class Clock:
    """A clock the test moves by hand; starts now, so finalising happened 'before'."""

    def __init__(self) -> None:
        self.now = datetime.now() + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def review_of(vault, status: ReviewStatus) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """(council id, review id) of the sample review in ``status``."""
    service = ReviewService(vault)
    for council in vault.councils():
        from iro_desktop.services.caseload import CaseloadService

        for entry in CaseloadService(vault).entries(council.id):
            for summary in service.reviews(council.id, entry.child.id):
                if summary.status is status:
                    return council.id, summary.id
    raise AssertionError(f"no sample review with status {status}")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def box(demo_vault_with_reviews, clock: Clock) -> OutboxService:  # type: ignore[no-untyped-def]
    return OutboxService(demo_vault_with_reviews, now=clock)


def set_folder(box: OutboxService, council_id: str, folder: Path | str) -> None:
    CouncilProfileService(box.vault).set(council_id, "delivery_folder", str(folder))


def stored_content(box: OutboxService, council_id: str) -> dict[int, bytes | None]:
    with box.vault.session(council_id) as s:
        return dict(s.execute(select(OutboxItemRow.id, OutboxItemRow.content)).all())


# ---- queuing ----------------------------------------------------------------------------


def test_queue_keeps_each_copy_and_the_review_json_in_the_vault(box: OutboxService) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    items = box.queue(council_id, review_id, ["full", "decisions"])
    assert [(i.variant, i.kind, i.state) for i in items] == [
        ("full", "docx", "ready"), ("decisions", "docx", "ready"), ("data", "json", "ready")]
    council = box.vault.council(council_id)
    for item in items:
        assert item.council_code == council.code and item.review_status == "finalised"
        content = box.content(council_id, item.id)
        assert content is not None and len(content) == item.size
        assert hashlib.sha256(content).hexdigest() == item.sha256
        # the name says council, child reference, review number and variant; no names
        assert item.filename.startswith(f"{council.code}_{item.child_ref}_review"
                                        f"{item.review_number}_{item.variant}")
    record = ReviewService(box.vault).record(council_id, review_id)
    child = record.child.record
    for item in items:
        assert child.last_name not in item.filename and child.first_name not in item.filename
    full = docx.Document(io.BytesIO(box.content(council_id, items[0].id) or b""))
    assert full.paragraphs[0].text == "Record of the looked after child review"
    data = json.loads(box.content(council_id, items[2].id) or b"")
    assert data["child_ref"] == child.child_ref and data["status"] == "finalised"
    assert data["review_number"] == record.number


def test_who_each_copy_is_for(box: OutboxService) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    council = box.vault.council(council_id)
    items = {i.variant: i for i in box.queue(council_id, review_id, ["full", "decisions"])}
    assert items["full"].recipients == f"{council.name} (child's case record)"
    assert items["decisions"].recipients == f"{council.name} (decisions, for the case record)"
    assert items["data"].recipients == f"{council.name} (review data for the return)"
    assert {i.recipient_group for i in items.values()} == {"council"}
    again = box.queue(council_id, review_id, ["decisions"],
                      recipients={"Decisions": "Dana Price (Parent)"})
    assert again[0].recipients == "Dana Price (Parent)"


class FakeExports:
    """Any variant as recognisable bytes: the outbox is generic over the export's copies."""

    def export_review(self, council_id: str, review_id: int, variant: str = "full", *,
                      today: object = None, record: object = None,
                      network: object = None) -> bytes:
        return f"copy {variant} of review {review_id}".encode()


def test_group_copies_are_for_the_people_in_that_group(
        demo_vault_with_reviews, clock: Clock) -> None:  # type: ignore[no-untyped-def]
    box = OutboxService(demo_vault_with_reviews, FakeExports(), now=clock)  # type: ignore[arg-type]
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    child = ReviewService(box.vault).record(council_id, review_id).child.record
    variants = ["letter", "redacted:parents", "redacted:carers", "redacted:professionals"]
    items = {i.variant: i for i in box.queue(council_id, review_id, variants)}
    assert items["letter"].recipients == f"{child.first_name} {child.last_name} (the child)"
    assert items["letter"].recipient_group == "child"
    assert items["redacted:parents"].recipients == "Dana Price (Parent)"
    assert items["redacted:parents"].recipient_group == "parents"
    assert items["redacted:carers"].recipients == "Sam Whitfield (Carer)"
    professionals = items["redacted:professionals"].recipients
    assert "Ms Okafor (Teacher)" in professionals and "(Social worker)" in professionals
    assert "Dana Price" not in professionals
    assert box.content(council_id, items["redacted:parents"].id) == (
        f"copy redacted:parents of review {review_id}".encode())
    assert items["redacted:parents"].filename.endswith(
        f"_review{items['letter'].review_number}_redacted-parents_"
        f"{items['letter'].review_date}.docx")


def test_queuing_again_replaces_the_ready_copy_never_a_delivered_one(
        box: OutboxService, tmp_path: Path) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.RECORDING)
    first = box.queue(council_id, review_id, ["full"])
    ReviewService(box.vault).save_texts(council_id, {(review_id, "agenda:summary"):
                                                     "A new summary after the meeting."})
    second = box.queue(council_id, review_id, ["full"])
    assert {i.id for i in second} == {i.id for i in first}  # same rows, new text
    assert second[0].sha256 != first[0].sha256
    assert len(box.items(council_id)) == 2  # full + data
    set_folder(box, council_id, tmp_path)
    assert box.send(council_id).ok
    third = box.queue(council_id, review_id, ["full"])
    assert not {i.id for i in third} & {i.id for i in first}
    states = sorted((i.variant, i.state) for i in box.distribution(council_id, review_id))
    assert states == [("data", "delivered"), ("data", "ready"),
                      ("full", "delivered"), ("full", "ready")]


def test_a_draft_is_queued_and_says_so(box: OutboxService) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.RECORDING)
    items = box.queue(council_id, review_id, ["decisions"])
    assert {i.review_status for i in items} == {"draft"}


def test_a_copy_that_cannot_be_made_stores_nothing(box: OutboxService) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    with pytest.raises(ValueError, match="full"):
        box.queue(council_id, review_id, ["full", "minutes-of-doom"])
    with pytest.raises(OutboxError):
        box.queue(council_id, review_id, [])
    assert box.items() == []


def test_variant_names_are_checked_and_made_canonical() -> None:
    assert check_variant(" FULL ") == "full"
    assert check_variant("Decisions") == "decisions"
    assert check_variant("Redacted:Parent") == "redacted:parents"
    assert check_variant("letter") == "letter"
    with pytest.raises(ValueError, match="full, decisions"):
        check_variant("memo")
    with pytest.raises(ValueError, match="parents"):
        check_variant("redacted:cousins")


# ---- sending ----------------------------------------------------------------------------


def test_send_writes_the_files_and_a_manifest_then_marks_them_delivered(
        box: OutboxService, clock: Clock, tmp_path: Path) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    queued = box.queue(council_id, review_id, ["full", "decisions"])
    folder = tmp_path / "council-share"
    folder.mkdir()
    set_folder(box, council_id, folder)
    clock.advance(minutes=5)
    report = box.send()
    sent = next(c for c in report.councils if c.folder == str(folder))
    assert report.ok and not sent.error
    assert sorted(p.name for p in folder.iterdir()) == sorted([*sent.files, sent.manifest])
    assert not any(p.name.startswith(PARTIAL_PREFIX) for p in folder.iterdir())

    manifest = json.loads((folder / sent.manifest).read_text("utf-8"))
    council = box.vault.council(council_id)
    assert manifest["council_code"] == council.code
    assert manifest["council_name"] == council.name
    assert manifest["sent_at"] == clock.now.isoformat(timespec="seconds")
    assert [m["file"] for m in manifest["items"]] == list(sent.files)
    by_variant = {i.variant: i for i in queued}
    for entry in manifest["items"]:
        data = (folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["sha256"] == by_variant[entry["variant"]].sha256
        assert entry["size"] == len(data)
        assert entry["review_status"] == "finalised" and entry["child_ref"]
    docs = [p for p in folder.iterdir() if p.suffix == ".docx"]
    assert len(docs) == 2
    for path in docs:
        assert docx.Document(str(path)).paragraphs  # opens as Word

    delivered = box.items(council_id)
    assert {i.state for i in delivered} == {"delivered"}
    assert {i.delivered_at for i in delivered} == {clock.now}
    assert {i.delivered_to for i in delivered} == {str(folder)}
    events = _audit(box, council_id, "outbox.sent")
    assert events == [{"count": 3}]

    again = box.send()  # nothing ready: nothing written
    assert again.councils == [] and again.ok
    assert len(list(folder.iterdir())) == 4


def test_two_councils_each_go_to_their_own_folder(box: OutboxService, tmp_path: Path) -> None:
    first = review_of(box.vault, ReviewStatus.FINALISED)
    second = review_of(box.vault, ReviewStatus.RECORDING)
    assert first[0] != second[0]
    for council_id, review_id in (first, second):
        box.queue(council_id, review_id, ["decisions"])
        folder = tmp_path / box.vault.council(council_id).code
        folder.mkdir()
        set_folder(box, council_id, folder)
    report = box.send()
    assert report.ok and report.delivered == 4
    for council_id, _review in (first, second):
        code = box.vault.council(council_id).code
        names = [p.name for p in (tmp_path / code).iterdir()]
        assert len(names) == 3 and all(code in n for n in names)


def test_an_existing_file_is_never_overwritten(box: OutboxService, tmp_path: Path) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    item = box.queue(council_id, review_id, ["full"])[0]
    set_folder(box, council_id, tmp_path)
    (tmp_path / item.filename).write_bytes(b"the council's own file")
    stem = item.filename.removesuffix(".docx")
    (tmp_path / f"{stem}-2.docx").write_bytes(b"another one")
    report = box.send(council_id)
    assert report.ok
    assert (tmp_path / item.filename).read_bytes() == b"the council's own file"
    assert (tmp_path / f"{stem}-2.docx").read_bytes() == b"another one"
    assert f"{stem}-3.docx" in report.councils[0].files
    delivered = next(i for i in box.items(council_id) if i.id == item.id)
    assert delivered.filename == f"{stem}-3.docx"  # the record says the name it went under
    manifest = json.loads((tmp_path / report.councils[0].manifest).read_text("utf-8"))
    assert f"{stem}-3.docx" in [m["file"] for m in manifest["items"]]


def test_distribution_lists_which_copy_went_to_whom(box: OutboxService, tmp_path: Path,
                                                    clock: Clock) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    box.queue(council_id, review_id, ["full", "decisions"],
              recipients={"decisions": "Dana Price (Parent)"})
    set_folder(box, council_id, tmp_path)
    box.send(council_id)
    clock.advance(days=40)
    box.purge(council_id)
    rows = box.distribution(council_id, review_id)
    assert [(r.variant, r.recipients, r.state) for r in rows][1] == (
        "decisions", "Dana Price (Parent)", "purged")
    assert all(r.delivered_to == str(tmp_path) and r.delivered_at for r in rows)
    assert rows[1].state_text.startswith("Sent ") and f"to {tmp_path}; content purged" in (
        rows[1].state_text)
    fresh = box.queue(council_id, review_id, ["decisions"])
    assert fresh[0].state_text == "Ready to send"


# ---- reachability and auto-send ---------------------------------------------------------


def test_reachable_says_why_not(box: OutboxService, tmp_path: Path) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    assert not box.reachable(council_id)
    assert "no delivery folder" in box.reachable(council_id).reason
    set_folder(box, council_id, tmp_path / "gone")
    assert "cannot be found" in box.reachable(council_id).reason
    (tmp_path / "a-file").write_bytes(b"x")
    set_folder(box, council_id, tmp_path / "a-file")
    assert "not a folder" in box.reachable(council_id).reason
    set_folder(box, council_id, tmp_path)
    assert box.reachable(council_id) and box.reachable(council_id).reason == ""

    assert box.auto_send_due() == []  # auto-send is off by default
    CouncilProfileService(box.vault).set(council_id, "auto_send", "yes")
    assert box.auto_send_due() == []  # nothing ready
    box.queue(council_id, review_id, ["decisions"])
    assert box.auto_send_due() == [council_id]
    set_folder(box, council_id, tmp_path / "gone")
    assert box.auto_send_due() == []


# ---- purge ------------------------------------------------------------------------------


def _audit(box: OutboxService, council_id: str, code: str) -> list[dict[str, object]]:
    with box.vault.session(council_id) as s:
        return [json.loads(e.detail) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.code == code).order_by(AuditEvent.id))]


def test_purge_waits_for_the_retention_period(box: OutboxService, clock: Clock,
                                              tmp_path: Path) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    box.queue(council_id, review_id, ["full", "decisions"])
    set_folder(box, council_id, tmp_path)
    box.send(council_id)
    clock.advance(days=29, hours=23)
    assert box.purge(council_id).purged == 0
    clock.advance(hours=2)
    dry = box.purge(council_id, dry_run=True)
    assert dry.purged == 3 and dry.dry_run
    assert all(c is not None for c in stored_content(box, council_id).values())
    assert _audit(box, council_id, "outbox.purged") == []

    report = box.purge(council_id)
    assert report.purged == 3 and report.councils[0].retention_days == 30
    assert set(stored_content(box, council_id).values()) == {None}
    items = box.items(council_id)
    assert {i.state for i in items} == {"purged"} and {i.purged_at for i in items} == {clock.now}
    assert all(i.sha256 and i.delivered_to for i in items)  # the record of what went where
    assert _audit(box, council_id, "outbox.purged") == [{"count": 3, "retention_days": 30}]
    assert box.purge(council_id).purged == 0  # already purged


def test_purge_follows_the_councils_retention_and_never_touches_ready_items(
        box: OutboxService, clock: Clock, tmp_path: Path) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    CouncilProfileService(box.vault).set(council_id, "retention_days", "7")
    box.queue(council_id, review_id, ["full"])
    set_folder(box, council_id, tmp_path)
    box.send(council_id)
    ready = box.queue(council_id, review_id, ["decisions"])  # queued after the send
    clock.advance(days=365)
    report = box.purge()
    mine = next(c for c in report.councils if c.council_code == box.vault.council(
        council_id).code)
    assert mine.purged == 2 and mine.retention_days == 7
    content = stored_content(box, council_id)
    for item in ready:
        assert content[item.id] is not None
        assert hashlib.sha256(content[item.id] or b"").hexdigest() == item.sha256
    states = {i.id: i.state for i in box.items(council_id)}
    assert [states[i.id] for i in ready] == ["ready", "ready"]


def test_queuing_copies_reads_the_record_once_and_each_copy_is_of_that_review(
        box: OutboxService, monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    reads: list[int] = []
    real = ReviewService.record

    def counted(self, council, review):  # type: ignore[no-untyped-def]
        reads.append(review)
        return real(self, council, review)

    monkeypatch.setattr(ReviewService, "record", counted)
    variants = ["full", "decisions", "letter", "redacted:parents", "redacted:carers"]
    items = box.queue(council_id, review_id, variants)
    assert reads == [review_id], f"the record was read {len(reads)} times for {len(items)} copies"
    record = real(ReviewService(box.vault), council_id, review_id)
    assert sorted(i.variant for i in items) == sorted([*variants, "data"])
    for item in items:
        assert item.review_id == review_id
        if item.kind == "docx":  # every copy is of this child (the letter by first name)
            document = docx.Document(io.BytesIO(box.content(council_id, item.id)))
            text = "\n".join([p.text for p in document.paragraphs]
                             + [c.text for t in document.tables for r in t.rows for c in r.cells])
            assert record.child.record.first_name in text, item.variant


def test_two_sends_at_once_deliver_each_copy_once(
        box: OutboxService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The auto-send works on a worker thread while the outbox window can send too: the
    second send waits for the first and finds nothing left to deliver."""
    import threading

    from iro_desktop.services import outbox as outbox_module

    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    folder = tmp_path / "delivery"
    folder.mkdir()
    set_folder(box, council_id, folder)
    box.queue(council_id, review_id, ["full", "decisions"])
    placing = threading.Semaphore(0)
    real_place_all = outbox_module._Batch.place_all

    def slow_place_all(self) -> None:  # type: ignore[no-untyped-def]
        placing.release()
        placing.acquire(timeout=1.0)  # the other send gets this long to start placing too
        real_place_all(self)

    monkeypatch.setattr(outbox_module._Batch, "place_all", slow_place_all)
    reports = []
    senders = [threading.Thread(target=lambda: reports.append(box.send(council_id)))
               for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(30)
    sent = [name for report in reports for c in report.councils for name in c.files]
    assert sorted(sent) == sorted(p.name for p in folder.iterdir()
                                  if not p.name.startswith("manifest-"))
    assert len(sent) == 3, f"delivered {sent}"  # full, decisions and the review data, once
    assert not any(i.state == "ready" for i in box.items(council_id))
