"""The outbox keeps its copies inside the encrypted vault: nothing readable reaches the
vault folder (database, live WAL), the data folder (logs, settings) or the OS temp
folder, and the delivery folder is the only place the sent files appear."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from iro_desktop.core.reviews import ReviewStatus
from iro_desktop.services.outbox import OutboxService
from iro_desktop.services.reviews import ReviewService
from tests.helpers import (
    PASSPHRASE,
    POSIX,
    cli_process,
    files_under,
    sample_markers,
    scan_for_plaintext,
)
from tests.unit.test_outbox import review_of

MARKER = "Quillfeather-outbox-7731"  # typed into a decision, so it is in the JSON copy


@pytest.mark.skipif(not POSIX, reason="TMPDIR redirects the OS temp folder on POSIX")
def test_queued_copies_are_encrypted_and_sent_files_go_only_to_the_delivery_folder(
        demo_vault_with_reviews, vault_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
        _isolated_data_dir: Path) -> None:
    vault = demo_vault_with_reviews
    council_id, review_id = review_of(vault, ReviewStatus.RECORDING)
    ReviewService(vault).add_decision(council_id, review_id, f"Ask {MARKER} about tutoring",
                                      responsible="Virtual school")
    record = ReviewService(vault).record(council_id, review_id)
    child = record.child.record
    council = vault.council(council_id)
    markers = sorted({*sample_markers(), MARKER, child.child_ref, child.last_name})

    items = OutboxService(vault).queue(council_id, review_id, ["full", "decisions"])
    data = next(i for i in items if i.kind == "json")
    assert MARKER.encode() in (OutboxService(vault).content(council_id, data.id) or b"")
    # the copies are in the live database and WAL, encrypted
    assert any(p.name.endswith(".db-wal") for p in files_under(vault_dir))
    assert scan_for_plaintext([vault_dir, _isolated_data_dir], markers) == []
    vault.close()

    share = tmp_path / "share"
    share.mkdir()
    os_tmp = tmp_path / "os-tmp"
    os_tmp.mkdir()
    env = {"IRO_DESKTOP_PASSPHRASE": PASSPHRASE, "TMPDIR": str(os_tmp)}
    base = ["--vault", str(vault_dir), "outbox"]
    for args in (["folder", "--council", council.code, str(share)], ["send"], ["list"]):
        done = cli_process([*base, *args], env=env)
        assert done.returncode == 0, done.stderr
    assert child.child_ref in done.stdout  # shown to the user, not written to disk

    assert scan_for_plaintext([vault_dir, _isolated_data_dir, os_tmp], markers) == []
    assert files_under(os_tmp) == []
    # positive control: the scan finds the data where it was meant to go
    hits = scan_for_plaintext([share], markers)
    assert any(MARKER in h and ".json" in h for h in hits)
    assert any(child.child_ref in h and "manifest-" in h for h in hits)
    full = next(share.glob("*_full_*.docx"))
    with zipfile.ZipFile(full) as zf:
        assert child.last_name in zf.read("word/document.xml").decode("utf-8")
    manifest = json.loads(next(share.glob("manifest-*.json")).read_text("utf-8"))
    assert {m["file"] for m in manifest["items"]} | {next(share.glob("manifest-*")).name} == {
        p.name for p in share.iterdir()}
