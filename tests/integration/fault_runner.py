"""Helper of test_faults.py, not a test: one vault operation in a child process that
SIGKILLs itself at its N-th step.

    python tests/integration/fault_runner.py OP VAULT_DIR KILL_AT [ARG]

OP is ``import`` (ARG: a caseload CSV file), ``erase`` (ARG: a council code) or ``send``
(the outbox of every council). A *step* is any point where the operation changes
something on disk: each ``os.fsync``, ``os.replace``, ``os.rename``, ``os.link`` and
file removal, and each database commit (just before and just after it). Steps are counted
from the end of the unlock to the end of the lock that follows the operation, so a kill
can land inside the snapshot taken at lock too. ``KILL_AT`` 0 kills nowhere: the child
then prints ``steps N`` and exits 0. The passphrase comes from ``IRO_DESKTOP_PASSPHRASE``.
"""

from __future__ import annotations

import os
import pathlib
import signal
import sys
from pathlib import Path


def _instrument(step) -> None:  # type: ignore[no-untyped-def]
    for name in ("fsync", "replace", "rename", "link", "unlink", "remove"):
        original = getattr(os, name)

        def wrapper(*args, _original=original, _name=name, **kwargs):  # type: ignore[no-untyped-def]
            step(_name)
            return _original(*args, **kwargs)

        setattr(os, name, wrapper)
    original_unlink = pathlib.Path.unlink

    def unlink(self, missing_ok=False):  # type: ignore[no-untyped-def]
        step("unlink")
        return original_unlink(self, missing_ok=missing_ok)

    pathlib.Path.unlink = unlink  # type: ignore[method-assign]

    from iro_desktop.storage.vault import Vault

    before, after = Vault._before_write_commit, Vault._after_commit

    def before_commit(self, council_id, conn):  # type: ignore[no-untyped-def]
        before(self, council_id, conn)
        step("commit")

    def after_commit(self, council_id):  # type: ignore[no-untyped-def]
        step("committed")
        after(self, council_id)

    Vault._before_write_commit = before_commit  # type: ignore[method-assign]
    Vault._after_commit = after_commit  # type: ignore[method-assign]


def main() -> int:
    op, root, kill_at = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
    arg = sys.argv[4] if len(sys.argv) > 4 else ""
    counting = [False, 0]

    def step(_what: str) -> None:
        if not counting[0]:
            return
        counting[1] += 1
        if counting[1] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    _instrument(step)
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.storage.vault import Vault

    vault = Vault(root, secret_store=MemorySecretStore()).open()
    vault.unlock(os.environ["IRO_DESKTOP_PASSPHRASE"])
    counting[0] = True
    if op == "import":
        from iro_desktop.services.caseload import CaseloadService

        CaseloadService(vault).import_caseload(Path(arg).read_bytes())
    elif op == "erase":
        council = vault.council_by_code(arg)
        assert council is not None
        vault.erase_council(council.id, arg)
    elif op == "send":
        from iro_desktop.services.export import ExportService
        from iro_desktop.services.outbox import OutboxService

        report = OutboxService(vault, ExportService(vault)).send()
        assert report.ok, [c.error for c in report.councils]
    else:
        raise SystemExit(f"unknown operation {op}")
    vault.close()
    print(f"steps {counting[1]}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
