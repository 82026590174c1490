"""Helpers shared by the vault, CLI and integration tests (no fixtures with side effects here
unless a test module imports them on purpose)."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CSV = REPO_ROOT / "iro_desktop" / "resources" / "demo" / "caseload.csv"
PASSPHRASE = "correct horse battery staple"  # the same as conftest.PASSPHRASE
NEW_PASSPHRASE = "lantern otter quietly juggles marmalade"
PAGE_SIZE = 4096  # SQLCipher 4 default page size

POSIX = os.name == "posix"


# ---- child data that must never reach disk in plaintext ---------------------------------

def sample_rows() -> list[dict[str, str]]:
    with SAMPLE_CSV.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def sample_markers(min_len: int = 6) -> list[str]:
    """Surnames, references, social workers and council names from the demo sample.

    Only strings of ``min_len`` bytes or more, so random ciphertext cannot match by chance.
    (A marker of hex digits alone, such as a six-digit reference, can still turn up inside
    the hex text of keystore.json: :func:`scan_for_plaintext` counts those only where they
    stand apart.) The brief's named examples are always included.
    """
    markers = {"Llewellyn", "NB927036", "Mitchell"}
    for row in sample_rows():
        for column in ("last_name", "child_ref", "social_worker", "council_name"):
            value = row[column].strip()
            if len(value.encode("utf-8")) >= min_len:
                markers.add(value)
    return sorted(markers)


_HEX_ONLY = re.compile(r"[0-9A-Fa-f]+")
_HEX_BYTE = frozenset(b"0123456789ABCDEFabcdef")


def _stands_apart(data: bytes, start: int, end: int) -> bool:
    """No hex digit just before or after ``data[start:end]``: the hit is not a slice of a
    longer hex string (a key, a salt or a MAC written as hex)."""
    return (start == 0 or data[start - 1] not in _HEX_BYTE) and \
        (end == len(data) or data[end] not in _HEX_BYTE)


def _hex_only_hit(data: bytes, needle: bytes) -> bool:
    start = data.find(needle)
    while start != -1:
        if _stands_apart(data, start, start + len(needle)):
            return True
        start = data.find(needle, start + 1)
    return False


def scan_for_plaintext(roots: Iterable[Path], markers: Iterable[str]) -> list[str]:
    """Every (file, marker, encoding) hit under ``roots``, in UTF-8 and UTF-16-LE.

    A marker made of hex digits only (``270431``) is counted where it does not run on
    into more hex digits: a random 2,500-character hex keystore holds a given six-digit
    string about once in 6,700 scans, and with dozens of such references that made the
    plaintext tests fail about one run in a hundred. Every other marker counts anywhere."""
    needles = [(m, enc, m.encode(enc)) for m in markers for enc in ("utf-8", "utf-16-le")]
    hits: list[str] = []
    for root in roots:
        root = Path(root)
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # a -wal/-shm removed between listing and reading
                continue
            for marker, enc, needle in needles:
                if needle not in data:
                    continue
                if enc == "utf-8" and _HEX_ONLY.fullmatch(marker) \
                        and not _hex_only_hit(data, needle):
                    continue
                hits.append(f"{path}: {marker!r} ({enc})")
    return hits


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file())


# ---- hashing and tampering ---------------------------------------------------------------

def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def hashes(paths: Iterable[Path]) -> dict[str, str]:
    return {str(p): sha256(p) for p in paths if Path(p).exists()}


def database_files(vault_dir: Path) -> list[Path]:
    """Every council database file with its -wal and -shm, as they are now."""
    return sorted(p for p in (Path(vault_dir) / "councils").iterdir() if p.is_file())


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(Path(path).read_bytes())
    data[offset] ^= 0x01
    Path(path).write_bytes(bytes(data))


def page_offset(page: int, within: int = 200) -> int:
    """Byte offset ``within`` bytes into 1-based ``page``."""
    return (page - 1) * PAGE_SIZE + within


# ---- reading a closed vault the way an examiner would -----------------------------------

def data_keys(vault_dir: Path, passphrase: str = PASSPHRASE) -> dict[str, bytes]:
    from iro_desktop.security.keystore import Keystore

    store = Keystore.load(Path(vault_dir) / "keystore.json")
    return store.unwrap_all(store.derive_kek(passphrase))


def root_page(db: Path, dek: bytes, table: str) -> int:
    from iro_desktop.storage.engine import raw_connect

    conn = raw_connect(db, dek)
    try:
        row = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        return int(row[0])
    finally:
        conn.close()


def force_close(vault) -> None:  # type: ignore[no-untyped-def]
    """Close a vault even when ``close()`` itself fails (a bug under test), so the next test
    is not left with an open database or a held instance lock."""
    try:
        vault.close()
    except BaseException:  # noqa: BLE001
        for engine in list(getattr(vault, "_engines", {}).values()):
            try:
                engine.dispose()
            except BaseException:  # noqa: BLE001
                pass
        vault._engines.clear()
        vault._kek = None
        vault._deks.clear()
        vault._keystore = None
        vault._instance.release()


# ---- subprocesses ------------------------------------------------------------------------

def python_process(code: str, *, env: dict[str, str] | None = None,
                   cwd: Path | None = None) -> subprocess.Popen[str]:
    """``sys.executable -c code`` with stdout piped (line-buffered text)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    full_env["PYTHONUNBUFFERED"] = "1"
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=full_env, cwd=cwd)


def wait_for_line(proc: subprocess.Popen[str], expected: str, timeout: float = 30.0) -> str:
    """Read the child's stdout until a line starting with ``expected``; fail on exit or timeout."""
    import selectors

    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    try:
        while time.monotonic() < deadline:
            if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                break
            line = proc.stdout.readline()
            if not line:
                err = proc.stderr.read() if proc.stderr else ""
                raise AssertionError(f"child exited ({proc.wait()}) before {expected!r}:\n{err}")
            if line.startswith(expected):
                return line.rstrip("\n")
    finally:
        sel.close()
    raise AssertionError(f"child did not print {expected!r} within {timeout} s")


def kill_hard(proc: subprocess.Popen[str]) -> None:
    """SIGKILL this one child (by its pid) and reap it."""
    if proc.poll() is None:
        if POSIX:
            os.kill(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    proc.wait(timeout=30)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


@contextmanager
def child_process(code: str, **kwargs: object) -> Iterator[subprocess.Popen[str]]:
    """A child Python process that is always killed and reaped when the block ends."""
    proc = python_process(code, **kwargs)  # type: ignore[arg-type]
    try:
        yield proc
    finally:
        kill_hard(proc)


def cli_process(args: list[str], *, env: dict[str, str] | None = None,
                timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """The real ``iro-desktop`` console script (``python -m iro_desktop``), as a user runs it."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "iro_desktop", *args], capture_output=True,
                          text=True, env=full_env, timeout=timeout, stdin=subprocess.DEVNULL)


# ---- a closed demo vault built once per module and copied per test ----------------------

@dataclass
class ClosedVault:
    """A closed vault folder: its root, recovery key and each council's database file."""

    root: Path
    recovery_key: str
    dbs: dict[str, Path]

    @property
    def keystore(self) -> Path:
        return self.root / "keystore.json"

    def copy_to(self, dest: Path) -> "ClosedVault":
        shutil.copytree(self.root, dest)
        (dest / "vault.lock").unlink(missing_ok=True)
        return ClosedVault(dest, self.recovery_key,
                           {code: dest / "councils" / p.name for code, p in self.dbs.items()})


def build_demo_vault(root: Path) -> ClosedVault:
    """The 72-child demo caseload in three councils, fast KDF, then closed."""
    from iro_desktop.security.kdf import fast_test_params
    from iro_desktop.security.secret_store import MemorySecretStore
    from iro_desktop.services.demo import seed_demo
    from iro_desktop.storage.vault import Vault

    vault, recovery_key = Vault.create(root, PASSPHRASE, kdf=fast_test_params(),
                                       secret_store=MemorySecretStore())
    try:
        seed_demo(vault)
        dbs = {c.code: vault.database_path(c.id) for c in vault.councils()}
    finally:
        vault.close()
    return ClosedVault(root, recovery_key, dbs)


_TEMPLATE: list[ClosedVault] = []  # built once per test session, shared read-only


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> ClosedVault:
    """Never opened by a test: tests get a copy (``closed_demo``)."""
    if not _TEMPLATE or not _TEMPLATE[0].keystore.is_file():
        _TEMPLATE[:] = [build_demo_vault(tmp_path_factory.mktemp("demo-template") / "vault")]
    return _TEMPLATE[0]


@pytest.fixture
def closed_demo(demo_template: ClosedVault, vault_dir: Path) -> ClosedVault:
    """A private copy of the closed demo vault at ``vault_dir``."""
    return demo_template.copy_to(vault_dir)


# ---- the command line on the demo vault with its sample reviews ---------------------------


@pytest.fixture
def closed_reviews_vault(demo_vault_with_reviews, vault_dir: Path,  # type: ignore[no-untyped-def]
                         monkeypatch: pytest.MonkeyPatch) -> Path:
    demo_vault_with_reviews.close()  # release the instance lock for the CLI
    monkeypatch.setenv("IRO_DESKTOP_PASSPHRASE", PASSPHRASE)
    return vault_dir


def cli(vault_dir: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    from iro_desktop.cli import run

    code = run(["--vault", str(vault_dir), *args], out=out, err=err)
    assert "Traceback" not in out.getvalue() + err.getvalue()
    return code, out.getvalue(), err.getvalue()
