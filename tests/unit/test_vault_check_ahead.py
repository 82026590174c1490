"""The first write of an unlock checks every page of its council's database first (a
damaged page must not be written around). That check reads the whole file, 0.6-0.7 s for
a 66 MB database, and froze the first edit on the GUI thread; the background indexer now
makes it ahead (``Vault.check_before_writing``). These tests hold the check to its
promise: a check made ahead spares the first write only while it still describes the file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    ClosedVault,
    closed_demo,
    data_keys,
    demo_template,
    flip_byte,
    force_close,
    page_offset,
    root_page,
    sha256,
)
from iro_desktop.security.errors import DatabaseTamperedError
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.search import SearchService
from iro_desktop.storage.vault import Vault


@pytest.fixture
def vault(closed_demo: ClosedVault) -> Iterator[Vault]:
    opened = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    opened.unlock(PASSPHRASE)
    yield opened
    force_close(opened)


@pytest.fixture
def page_checks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every full page check the vault makes, by database."""
    seen: list[Path] = []
    real = Vault._integrity

    def counting(path: Path, dek: bytes) -> list[str]:
        seen.append(path)
        return real(path, dek)

    monkeypatch.setattr(Vault, "_integrity", staticmethod(counting))
    return seen


def _write(vault: Vault, council_id: str) -> None:
    """A write that reads no child page (only the small vault_meta table)."""
    with vault.session(council_id) as s:
        s.connection().exec_driver_sql(
            "INSERT INTO vault_meta (key, value) VALUES ('probe', '1') "
            "ON CONFLICT (key) DO UPDATE SET value = value + 1")


def _emb(vault: Vault) -> str:
    council = vault.council_by_code("EMB")
    assert council is not None
    return council.id


def test_a_check_made_ahead_spares_the_first_write_its_own(vault: Vault,
                                                            page_checks: list[Path]) -> None:
    cid = _emb(vault)
    assert vault.check_before_writing(cid)
    assert page_checks == [vault.database_path(cid)]
    _write(vault, cid)
    assert page_checks == [vault.database_path(cid)]  # not again at the first write
    assert (vault.root / "councils" / f"{cid}.open").exists()  # written: marked as usual
    _write(vault, cid)
    assert len(page_checks) == 1


def test_without_a_check_ahead_the_first_write_checks_every_page(vault: Vault,
                                                                 page_checks: list[Path]) -> None:
    cid = _emb(vault)
    _write(vault, cid)
    assert page_checks == [vault.database_path(cid)]


def test_a_database_changed_after_the_check_ahead_is_checked_again(
        vault: Vault, closed_demo: ClosedVault, page_checks: list[Path]) -> None:
    cid = _emb(vault)
    db = vault.database_path(cid)
    page = root_page(db, data_keys(closed_demo.root)[db.stem], "child")
    assert vault.check_before_writing(cid)
    time.sleep(0.01)  # a later modification time even on a coarse clock
    flip_byte(db, page_offset(page))  # damaged outside the app after the check
    damaged = sha256(db)
    with pytest.raises(DatabaseTamperedError) as caught:
        _write(vault, cid)
    assert "failed its check before a change was saved" in str(caught.value)
    assert page_checks == [db, db]
    assert sha256(db) == damaged  # nothing written around the damaged page
    assert cid in vault.damaged


def test_a_check_ahead_does_not_outlive_a_lock(vault: Vault, page_checks: list[Path]) -> None:
    cid = _emb(vault)
    assert vault.check_before_writing(cid)
    vault.lock()
    vault.unlock(PASSPHRASE)
    _write(vault, cid)
    assert page_checks == [vault.database_path(cid)] * 2


def test_a_damaged_database_is_not_vouched_for(vault: Vault, closed_demo: ClosedVault) -> None:
    cid = _emb(vault)
    db = vault.database_path(cid)
    flip_byte(db, page_offset(root_page(db, data_keys(closed_demo.root)[db.stem], "child")))
    assert not vault.check_before_writing(cid)
    with pytest.raises(DatabaseTamperedError):
        _write(vault, cid)


def test_the_background_indexer_checks_ahead_when_it_has_nothing_to_write(
        vault: Vault, page_checks: list[Path]) -> None:
    SearchService(vault).catch_up()  # the index is up to date: the next unlock writes nothing
    vault.lock()
    vault.unlock(PASSPHRASE)
    page_checks.clear()
    search = SearchService(vault)
    search.start_indexing()
    deadline = time.monotonic() + 30
    while search.indexing and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not search.indexing
    assert not list((vault.root / "councils").glob("*.open"))  # the indexer wrote nothing
    councils = vault.councils()
    assert sorted(page_checks) == sorted(vault.database_path(c.id) for c in councils)
    for council in councils:  # an edit now makes no page check of its own
        _write(vault, council.id)
    assert len(page_checks) == len(councils)
    search.close()
