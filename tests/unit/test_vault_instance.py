"""One running iro-desktop per vault; a crashed holder never blocks the IRO."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.helpers import (  # noqa: F401 - fixtures
    PASSPHRASE,
    POSIX,
    ClosedVault,
    child_process,
    closed_demo,
    demo_template,
    kill_hard,
    wait_for_line,
)
from iro_desktop.cli import run
from iro_desktop.security.errors import VaultInUseError
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.caseload import CaseloadService
from iro_desktop.storage.vault import Vault

_HOLDER = """
import sys, time
from pathlib import Path
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.storage.vault import Vault
vault = Vault(Path(ROOT), secret_store=MemorySecretStore()).open()
vault.unlock(PASSPHRASE)
print("holding", flush=True)
time.sleep(120)
"""


def _holder(root: Path) -> str:
    return _HOLDER.replace("ROOT", repr(str(root))).replace("PASSPHRASE", repr(PASSPHRASE))


def test_second_open_in_the_same_process_is_refused(vault, vault_dir: Path) -> None:
    second = Vault(vault_dir, secret_store=MemorySecretStore())
    with pytest.raises(VaultInUseError, match="already open"):
        second.open()
    assert not second.is_open
    vault.close()
    second.open()  # free once the first one closed
    second.close()


def test_closing_releases_the_vault_for_the_next_window(closed_demo: ClosedVault) -> None:
    for _ in range(3):
        vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
        vault.unlock(PASSPHRASE)
        vault.close()


@pytest.mark.skipif(not POSIX, reason="SIGKILL and flock are POSIX")
def test_vault_held_by_another_process_then_freed_by_sigkill(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    with child_process(_holder(closed_demo.root)) as proc:
        wait_for_line(proc, "holding")
        with pytest.raises(VaultInUseError):
            Vault(closed_demo.root, secret_store=MemorySecretStore()).open()

        monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
        out, err = io.StringIO(), io.StringIO()
        code = run(["--vault", str(closed_demo.root), "due"], out=out, err=err)
        assert code != 0
        assert "already open" in err.getvalue()
        assert "Traceback" not in err.getvalue()
        assert out.getvalue() == ""

        kill_hard(proc)  # the holder crashes without closing anything
        assert proc.returncode == -9

    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()
    try:
        vault.unlock(PASSPHRASE)  # after an unclean exit: integrity checked, then opened
        assert len(CaseloadService(vault).entries()) == 72
        assert all(r.ok for r in vault.check())
    finally:
        vault.close()


@pytest.mark.skipif(not POSIX, reason="flock on the vault folder is POSIX")
def test_deleting_vault_lock_does_not_let_a_second_process_in(
        closed_demo: ClosedVault, monkeypatch: pytest.MonkeyPatch) -> None:
    with child_process(_holder(closed_demo.root)) as holder:
        wait_for_line(holder, "holding")
        (closed_demo.root / "vault.lock").unlink()
        monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
        out, err = io.StringIO(), io.StringIO()
        assert run(["--vault", str(closed_demo.root), "due"], out=out, err=err) == 3
        assert "already open" in err.getvalue()
        assert "Traceback" not in err.getvalue()
    vault = Vault(closed_demo.root, secret_store=MemorySecretStore()).open()  # freed by the kill
    vault.close()
