"""Sending to a really read-only and a really full file system (Linux only).

The unit tests inject the errors; here the kernel raises them. CI runs as root, for whom
``chmod`` stops nothing, so a private mount namespace (``unshare -m``) mounts two small
tmpfs file systems: one read-only, one too small for the batch. Skipped where mount
namespaces are not allowed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_SCRIPT = r"""
import hashlib, json, shutil, sys
from pathlib import Path
from sqlalchemy import select
from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.services.council_profile import CouncilProfileService
from iro_desktop.services.demo import seed_demo
from iro_desktop.services.export import ExportService
from iro_desktop.services.outbox import OutboxService
from iro_desktop.storage.models import OutboxItemRow
from iro_desktop.storage.vault import Vault

root, ro, full = (Path(a) for a in sys.argv[1:4])
vault, _ = Vault.create(root, "correct horse battery staple", kdf=fast_test_params(),
                        secret_store=MemorySecretStore())
seed_demo(vault)
row = next(r for r in ExportService(vault).reviews_overview() if r["status"] == "finalised")
exports = ExportService(vault)
council = vault.council_by_code(row["council_code"])
review_id = exports.review_id(council, exports.child_id(council, row["child_ref"]),
                              row["child_ref"])
box = OutboxService(vault)
queued = box.queue(council.id, review_id, ["full", "decisions"])
profiles = CouncilProfileService(vault)
out = {"bytes": sum(i.size for i in queued)}

def attempt(name, folder):
    profiles.set(council.id, "delivery_folder", str(folder))
    report = box.send(council.id)
    with vault.session(council.id) as s:
        intact = all(hashlib.sha256(r.content).hexdigest() == r.sha256
                     for r in s.scalars(select(OutboxItemRow)))
    out[name] = {"reachable": bool(box.reachable(council.id)),
                 "error": report.councils[0].error,
                 "left": sorted(p.name for p in folder.iterdir()),
                 "states": sorted({i.state for i in box.items(council.id)}),
                 "intact": intact}

attempt("read_only", ro)
attempt("full_checked", full)  # free space is checked before writing
shutil.disk_usage = lambda _p: shutil._ntuple_diskusage(1 << 40, 0, 1 << 40)
attempt("full_written", full)  # a folder that misreports its space: the kernel says ENOSPC
vault.close()
print(json.dumps(out))
"""


def _can_mount(tmp_path: Path) -> bool:
    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        return False
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(["unshare", "-m", "sh", "-c",
                           f"mount -t tmpfs -o size=16k tmpfs '{probe}'"],
                          capture_output=True, timeout=30)
    return done.returncode == 0


def test_read_only_and_full_file_systems(tmp_path: Path) -> None:
    if not _can_mount(tmp_path):
        pytest.skip("mount namespaces are not available here")
    ro, full = tmp_path / "ro", tmp_path / "full"
    ro.mkdir()
    full.mkdir()
    script = tmp_path / "send.py"
    script.write_text(_SCRIPT, "utf-8")
    command = (f"mount -t tmpfs -o ro,size=1m tmpfs '{ro}' && "
               f"mount -t tmpfs -o size=8k tmpfs '{full}' && "
               f"exec '{sys.executable}' '{script}' '{tmp_path / 'vault'}' '{ro}' '{full}'")
    done = subprocess.run(["unshare", "-m", "sh", "-c", command], capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["bytes"] > 8 * 1024  # the batch really does not fit

    read_only = result["read_only"]
    assert not read_only["reachable"]
    assert str(ro) in read_only["error"] and "read-only" in read_only["error"]
    assert "delete it by hand" not in read_only["error"]
    for case in ("full_checked", "full_written"):
        assert str(full) in result[case]["error"] and "disk is full" in result[case]["error"]
    for case in ("read_only", "full_checked", "full_written"):
        assert result[case]["left"] == [], case
        assert result[case]["states"] == ["ready"] and result[case]["intact"], case
        assert "stay in the outbox" in result[case]["error"]
