"""The locked window starts without the database layer: opening a vault's window the way
``app.main`` does (``app.open_vault_window``: the vault, the window's services from
``app.build_services``, the window shown) imports no SQLAlchemy, SQLCipher, python-docx or
service that reads a council (docs/performance.md). The services container and the access
service are all the locked window has of ``services/``; every other service is built on
first use after unlock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from iro_desktop.security.kdf import fast_test_params
from iro_desktop.security.secret_store import MemorySecretStore
from iro_desktop.storage.vault import Vault

HEAVY = ("sqlalchemy", "sqlcipher3", "alembic", "docx", "holidays", "zxcvbn")
LIGHT_SERVICES = ["iro_desktop.services", "iro_desktop.services.access",
                  "iro_desktop.services.app_services"]

PROBE = r"""
import json, sys
from pathlib import Path

from iro_desktop import app
from iro_desktop.settings import Settings

qt = app._application()
window, vault = app.open_vault_window(Path(sys.argv[1]), Settings(Path(sys.argv[2])))
qt.processEvents()
report = {
    "shown": window.isVisible(),
    "locked": not window.services.access.is_unlocked,
    "modules": sorted(sys.modules),
}
window.close()
vault.close()
print(json.dumps(report))
"""


def locked_window_modules(root: Path, settings: Path, probe: str = PROBE) -> dict:  # type: ignore[type-arg]
    env = {**os.environ, "IRO_DESKTOP_DATA_DIR": str(settings.parent)}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    result = subprocess.run([sys.executable, "-c", probe, str(root), str(settings)],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    vault, _key = Vault.create(root, "locked window imports test", kdf=fast_test_params(),
                               secret_store=MemorySecretStore(available=False),
                               enforce_policy=False)
    vault.close()
    return root


def _heavy_and_services(modules: list[str]) -> tuple[list[str], list[str]]:
    heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    services = [m for m in modules if m == "iro_desktop.services"
                or m.startswith("iro_desktop.services.")]
    return heavy, services


def test_the_locked_window_imports_no_database_layer(tmp_path: Path) -> None:
    report = locked_window_modules(_vault(tmp_path), tmp_path / "settings.json")
    assert report["shown"] and report["locked"]
    heavy, services = _heavy_and_services(report["modules"])
    assert heavy == []
    assert services == LIGHT_SERVICES
    assert "iro_desktop.ui.main_window" in report["modules"]  # the probe made the window


def test_the_import_check_sees_a_service_built_while_locked(tmp_path: Path) -> None:
    """Guard: a window that asked for a council-reading service while locked is seen."""
    eager = PROBE.replace("qt.processEvents()",
                          "window.services.caseload  # built too early\nqt.processEvents()")
    assert eager != PROBE
    report = locked_window_modules(_vault(tmp_path), tmp_path / "settings.json", eager)
    heavy, services = _heavy_and_services(report["modules"])
    assert "sqlalchemy" in heavy
    assert "iro_desktop.services.caseload" in services


UNLOCKED_PROBE = r"""
import json, sys, time
from pathlib import Path

from iro_desktop import app
from iro_desktop.settings import Settings

qt = app._application()
window, vault = app.open_vault_window(Path(sys.argv[1]), Settings(Path(sys.argv[2])))
qt.processEvents()
window.services.access.unlock("locked window imports test")
window.show_unlocked()
before = "docx" in sys.modules
deadline = time.monotonic() + 3.0  # the automatic send's first run is a minute away
while time.monotonic() < deadline:
    qt.processEvents()
    time.sleep(0.02)
report = {"before": before, "modules": sorted(sys.modules),
          "sending": window._auto_sending}
window.close()
vault.close()
print(json.dumps(report))
"""


def test_the_automatic_sends_modules_are_imported_soon_after_unlock(tmp_path: Path) -> None:
    """Not by the first automatic send a minute later, whose imports on its worker thread
    held Python's interpreter lock long enough to stall typing (bench_autosave.py)."""
    report = locked_window_modules(_vault(tmp_path), tmp_path / "settings.json",
                                   UNLOCKED_PROBE)
    assert not report["before"]  # not on the way to the first page
    assert not report["sending"]
    assert "docx" in report["modules"]
    assert "iro_desktop.services.export" in report["modules"]
