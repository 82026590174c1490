"""Layering and static guarantees.

Only ``iro_desktop.ui`` and ``iro_desktop.app`` may import Qt: the command line, services,
storage and security run (and are tested) without it. No module imports the stdlib
``sqlite3`` (which ignores ``PRAGMA key`` and writes plaintext), nothing attaches a database
with an empty key, and the engine refuses a connection where ``cipher_version`` is empty.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import iro_desktop

PACKAGE_DIR = Path(iro_desktop.__file__).resolve().parent
QT_FREE_SKIP = ("iro_desktop.ui", "iro_desktop.app")
# Alembic's env.py is a script Alembic runs with its own context; it is not importable alone.
NOT_IMPORTABLE = ("iro_desktop.storage.migrations.env",)

_IMPORT_ALL = r"""
import json, pkgutil, sys
import iro_desktop

SKIP = tuple(json.loads(sys.argv[1]))
NOT_IMPORTABLE = tuple(json.loads(sys.argv[2]))
imported, failed = [], []

def skipped(name):
    return any(name == s or name.startswith(s + ".") for s in SKIP + NOT_IMPORTABLE)

def walk(path, prefix):
    # like pkgutil.walk_packages, but never imports a skipped package to look inside it
    for info in pkgutil.iter_modules(path, prefix):
        if skipped(info.name):
            continue
        try:
            module = __import__(info.name, fromlist=["_"])
        except Exception as exc:
            failed.append(f"{info.name}: {type(exc).__name__}: {exc}")
            continue
        imported.append(info.name)
        if info.ispkg:
            walk(module.__path__, info.name + ".")

walk(iro_desktop.__path__, "iro_desktop.")
qt = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6"))
print(json.dumps({"imported": imported, "failed": failed, "qt": qt}))
"""


def _import_everything_but_the_ui() -> dict[str, list[str]]:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, json.dumps(QT_FREE_SKIP), json.dumps(NOT_IMPORTABLE)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_non_ui_modules_import_without_qt() -> None:
    report = _import_everything_but_the_ui()
    assert report["failed"] == []
    imported = set(report["imported"])
    # the walk really covered the layers (a broken walk would pass vacuously)
    for expected in ("iro_desktop.core.models", "iro_desktop.storage.vault",
                     "iro_desktop.storage.engine", "iro_desktop.security.keystore",
                     "iro_desktop.security.secret_store", "iro_desktop.services.caseload",
                     "iro_desktop.services.demo", "iro_desktop.export", "iro_desktop.cli",
                     "iro_desktop.paths", "iro_desktop.settings", "iro_desktop.diagnostics"):
        assert expected in imported, expected
    assert not any(m.startswith(QT_FREE_SKIP) for m in imported)
    assert report["qt"] == [], f"Qt imported outside the UI: {report['qt']}"


def test_the_walk_detects_qt_when_it_is_imported() -> None:
    """Guard: the same check sees PySide6 once a UI module is imported."""
    code = _IMPORT_ALL.replace('walk(iro_desktop.__path__, "iro_desktop.")', "import PySide6.QtCore")
    assert code != _IMPORT_ALL
    result = subprocess.run(
        [sys.executable, "-c", code, json.dumps(QT_FREE_SKIP), json.dumps(NOT_IMPORTABLE)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "PySide6.QtCore" in json.loads(result.stdout.strip().splitlines()[-1])["qt"]


# ---- static checks (security.md test 16) ------------------------------------------------------


def _python_files() -> list[Path]:
    files = sorted(PACKAGE_DIR.rglob("*.py"))
    assert len(files) > 20
    return files


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__" \
                and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" \
                and node.args and isinstance(node.args[0], ast.Constant):
            names.add(str(node.args[0].value))
    return names


def test_no_module_imports_the_stdlib_sqlite3() -> None:
    offenders = [str(p.relative_to(PACKAGE_DIR)) for p in _python_files()
                 if any(n == "sqlite3" or n.startswith("sqlite3.") for n in _imported_modules(p))]
    assert offenders == []


def test_the_import_scan_would_see_sqlite3(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("import os\nif True:\n    from sqlite3 import dbapi2\n", "utf-8")
    assert "sqlite3" in _imported_modules(probe)


def test_no_qt_import_outside_ui_and_app() -> None:
    offenders = []
    for path in _python_files():
        rel = path.relative_to(PACKAGE_DIR).as_posix()
        if rel.startswith("ui/") or rel == "app.py":
            continue
        if any(n.split(".")[0] in ("PySide6", "shiboken6") for n in _imported_modules(path)):
            offenders.append(rel)
    assert offenders == []


_EMPTY_KEY = re.compile(r"""KEY\s*(''|""|\\?"\\?"|x''|x"")""", re.IGNORECASE)


def test_no_attach_with_an_empty_key() -> None:
    offenders = [str(p.relative_to(PACKAGE_DIR)) for p in _python_files()
                 if _EMPTY_KEY.search(p.read_text("utf-8"))]
    assert offenders == []
    assert _EMPTY_KEY.search("ATTACH DATABASE 'x.db' AS b KEY ''")


def test_engine_asserts_cipher_version_on_every_connection() -> None:
    source = (PACKAGE_DIR / "storage" / "engine.py").read_text("utf-8")
    tree = ast.parse(source)
    funcs = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    connect = ast.get_source_segment(source, funcs["raw_connect"]) or ""
    assert "PRAGMA cipher_version" in connect
    assert "raise" in connect.split("PRAGMA cipher_version", 1)[1]
    # key before the first read; the check sits between them
    assert connect.index("key_pragma(") < connect.index("PRAGMA cipher_version") < \
        connect.index("sqlite_master")
    opener = ast.get_source_segment(source, funcs["open_engine"]) or ""
    assert "raw_connect" in opener and "hide_parameters=True" in opener


def test_no_sqlalchemy_url_with_creator_and_pysqlcipher() -> None:
    """security.md recipe 1: 'sqlite+pysqlcipher://' with creator= sends an empty key."""
    for path in _python_files():
        text = path.read_text("utf-8")
        if "creator=" in text:
            assert "pysqlcipher" not in text, path
