"""Sending to a folder that is missing, read-only or full: a clear message naming the
council and the folder, no file (temporary or final) left behind, and every item still
ready with its content intact. One council failing does not stop another."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.security.errors import VaultError
from iro_desktop.services import outbox as outbox_module
from iro_desktop.services.outbox import OutboxItem, OutboxService
from tests.unit.test_outbox import Clock, review_of, set_folder, stored_content


@pytest.fixture
def box(demo_vault_with_reviews) -> OutboxService:  # type: ignore[no-untyped-def]
    return OutboxService(demo_vault_with_reviews, now=Clock())


@pytest.fixture
def share(tmp_path: Path) -> Path:
    """The council's delivery folder (the vault lives next to it, in tmp_path)."""
    folder = tmp_path / "share"
    folder.mkdir()
    return folder


@pytest.fixture
def queued(box: OutboxService) -> tuple[str, list[OutboxItem]]:
    council_id, review_id = review_of(box.vault, ReviewStatus.FINALISED)
    return council_id, box.queue(council_id, review_id, ["full", "decisions"])


def assert_unchanged(box: OutboxService, council_id: str, items: list[OutboxItem],
                     message: str) -> None:
    """Every item ready, its bytes as queued, the reason kept for the list."""
    content = stored_content(box, council_id)
    now = {i.id: i for i in box.items(council_id)}
    for item in items:
        assert now[item.id].state == "ready" and now[item.id].delivered_at is None
        assert hashlib.sha256(content[item.id] or b"").hexdigest() == item.sha256
        assert now[item.id].last_error == message
        if message:
            assert now[item.id].state_text == "Ready to send (the last try failed)"


def send_fails(box: OutboxService, council_id: str, *expected: str) -> str:
    report = box.send(council_id)
    assert not report.ok and report.delivered == 0
    error = report.councils[0].error
    code = box.vault.council(council_id).code
    assert error.startswith(f"{code} (") and "stay in the outbox" in error
    for text in expected:
        assert text in error
    return error


# ---- the folder itself ------------------------------------------------------------------


def test_no_folder_set(box: OutboxService, queued: tuple[str, list[OutboxItem]]) -> None:
    council_id, items = queued
    error = send_fails(box, council_id, "no delivery folder is set", "outbox folder")
    assert_unchanged(box, council_id, items, error)


def test_missing_folder(box: OutboxService, queued: tuple[str, list[OutboxItem]],
                        tmp_path: Path) -> None:
    council_id, items = queued
    folder = tmp_path / "OneDrive - Council" / "IRO returns"
    set_folder(box, council_id, folder)
    error = send_fails(box, council_id, str(folder), "cannot be found", "connected")
    assert_unchanged(box, council_id, items, error)
    assert not folder.exists()  # not created behind the IRO's back


def test_folder_is_a_file(box: OutboxService, queued: tuple[str, list[OutboxItem]],
                          tmp_path: Path) -> None:
    council_id, items = queued
    path = tmp_path / "returns"
    path.write_bytes(b"not a folder")
    set_folder(box, council_id, path)
    error = send_fails(box, council_id, str(path), "not a folder")
    assert_unchanged(box, council_id, items, error)
    assert path.read_bytes() == b"not a folder"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX modes and a user that chmod stops (not root)")
def test_real_read_only_folder(box: OutboxService, queued: tuple[str, list[OutboxItem]],
                               tmp_path: Path) -> None:
    council_id, items = queued
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        set_folder(box, council_id, folder)
        assert not box.reachable(council_id)
        error = send_fails(box, council_id, str(folder), "read-only")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
    assert_unchanged(box, council_id, items, error)


# ---- failures while writing, injected at the lowest level the outbox uses ----------------


def _in(folder: Path, path: object) -> bool:
    return Path(os.fsdecode(path)).parent == folder  # type: ignore[arg-type]


def fail_open(monkeypatch: pytest.MonkeyPatch, folder: Path, exc: OSError,
              after: int = 0) -> None:
    """``os.open`` in ``folder`` raises ``exc`` from the (after+1)-th file on."""
    real, opened = os.open, []

    def fake(path, flags, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        if _in(folder, path) and flags & os.O_CREAT:
            opened.append(path)
            if len(opened) > after:
                raise exc
        return real(path, flags, mode, dir_fd=dir_fd)

    monkeypatch.setattr(os, "open", fake)


def test_read_only_file_system(box: OutboxService, queued: tuple[str, list[OutboxItem]],
                               share: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, items = queued
    set_folder(box, council_id, share)
    fail_open(monkeypatch, share, OSError(errno.EROFS, "Read-only file system"))
    error = send_fails(box, council_id, str(share), "permission", "read-only")
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, error)


def test_permission_denied_on_a_later_file(box: OutboxService,
                                           queued: tuple[str, list[OutboxItem]],
                                           share: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, items = queued
    set_folder(box, council_id, share)
    fail_open(monkeypatch, share, PermissionError(errno.EACCES, "Permission denied"),
              after=2)  # two temporary files written, then refused
    error = send_fails(box, council_id, "read-only")
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, error)


def test_manifest_refused_takes_back_the_files_already_in_place(
        box: OutboxService, queued: tuple[str, list[OutboxItem]], share: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, items = queued
    set_folder(box, council_id, share)
    fail_open(monkeypatch, share, PermissionError(errno.EACCES, "Permission denied"),
              after=3)  # the three items are in place when the manifest is refused
    error = send_fails(box, council_id, "read-only")
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, error)


def test_rename_refused_halfway(box: OutboxService, queued: tuple[str, list[OutboxItem]],
                                share: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, items = queued
    set_folder(box, council_id, share)
    real_link, calls = os.link, []

    def fake_link(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.EROFS, "Read-only file system")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", fake_link)
    monkeypatch.setattr(os, "rename", lambda *a, **k: (_ for _ in ()).throw(
        OSError(errno.EROFS, "Read-only file system")))
    error = send_fails(box, council_id, "read-only")
    assert len(calls) == 2  # the first file was in place before the failure
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, error)


def test_disk_full_part_way_through_a_file(box: OutboxService,
                                           queued: tuple[str, list[OutboxItem]],
                                           share: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, items = queued
    set_folder(box, council_id, share)
    real_open, real_write = os.open, os.write
    ours: set[int] = set()
    written = [0]
    limit = items[0].size + items[1].size // 2  # the first file and half the second fit

    def fake_open(path, flags, mode=0o777, *, dir_fd=None):  # type: ignore[no-untyped-def]
        fd = real_open(path, flags, mode, dir_fd=dir_fd)
        if _in(share, path) and flags & os.O_CREAT:
            ours.add(fd)
        return fd

    def fake_write(fd: int, data) -> int:  # type: ignore[no-untyped-def]
        if fd not in ours:
            return real_write(fd, data)
        if written[0] >= limit:
            raise OSError(errno.ENOSPC, "No space left on device")
        count = real_write(fd, bytes(data[:min(4096, limit - written[0])]))
        written[0] += count
        return count

    monkeypatch.setattr(os, "open", fake_open)
    monkeypatch.setattr(os, "write", fake_write)
    error = send_fails(box, council_id, str(share), "disk is full")
    assert written[0] == limit > items[0].size  # bytes really reached the folder
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, error)


def test_too_little_free_space_is_seen_before_writing(
        box: OutboxService, queued: tuple[str, list[OutboxItem]], share: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, items = queued
    set_folder(box, council_id, share)
    monkeypatch.setattr(shutil, "disk_usage",
                        lambda _p: shutil._ntuple_diskusage(10**9, 10**9 - 4096, 4096))  # type: ignore[attr-defined]
    error = send_fails(box, council_id, "disk is full")
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, error)


def test_files_are_taken_back_if_the_vault_cannot_record_the_delivery(
        box: OutboxService, queued: tuple[str, list[OutboxItem]], share: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    council_id, items = queued
    set_folder(box, council_id, share)
    real_audit: Callable[..., None] = outbox_module.audit

    def refuse(session, code: str, **counts) -> None:  # type: ignore[no-untyped-def]
        if code == "outbox.sent":
            raise VaultError("The council database is busy with another task.")
        real_audit(session, code, **counts)

    monkeypatch.setattr(outbox_module, "audit", refuse)
    report = box.send(council_id)
    assert not report.ok and "busy" in report.councils[0].error
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, report.councils[0].error)


def test_one_council_failing_does_not_stop_the_others(box: OutboxService,
                                                      share: Path) -> None:
    good = review_of(box.vault, ReviewStatus.FINALISED)
    bad = review_of(box.vault, ReviewStatus.RECORDING)
    bad_items = box.queue(*bad, ["decisions"])
    box.queue(*good, ["decisions"])
    set_folder(box, bad[0], share / "missing")
    set_folder(box, good[0], share)
    report = box.send()
    by_code = {c.council_code: c for c in report.councils}
    good_code, bad_code = (box.vault.council(x[0]).code for x in (good, bad))
    assert not report.ok
    assert "cannot be found" in by_code[bad_code].error and not by_code[bad_code].files
    assert not by_code[good_code].error and len(by_code[good_code].files) == 2
    assert {i.state for i in box.items(good[0])} == {"delivered"}
    assert_unchanged(box, bad[0], bad_items, by_code[bad_code].error)
    # once the folder is back, the same items go, and the error is cleared
    (share / "missing").mkdir()
    assert box.send().ok
    assert {(i.state, i.last_error) for i in box.items(bad[0])} == {("delivered", "")}


def test_interrupted_send_leaves_nothing_behind(box: OutboxService,
                                                queued: tuple[str, list[OutboxItem]],
                                                share: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl+C in the middle of a batch: the CLI says nothing half-written was kept."""
    council_id, items = queued
    set_folder(box, council_id, share)
    real_link, calls = os.link, []

    def interrupted(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        box.send(council_id)
    assert list(share.iterdir()) == []
    assert_unchanged(box, council_id, items, "")
