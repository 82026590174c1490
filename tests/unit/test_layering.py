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


# ---- the layer rules (README "Layout", docs/architecture.md) --------------------------------
#
# Each part of the package, and the parts of ours it may import. A part is a subpackage
# (``core``) or a top-level module (``cli_common``); a rule may also name one module of a
# part (``security.errors``). Every import counts: at the top of a module, inside a function
# (a lazy import still ties the layers together), and under ``if TYPE_CHECKING``. Every part
# may import the package itself (``from iro_desktop import __version__``) and itself.

ALLOWED: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in {
    # the domain: records, enums, rules; imports nothing of ours
    "core": set(),
    # the bottom utilities: data folders, and owner-only, atomic files
    "paths": set(),
    "fsutil": {"core", "security.errors"},
    "settings": {"paths", "fsutil"},
    "diagnostics": {"paths", "fsutil"},
    # keys, KDF, keystore; then the encrypted databases
    "security": {"core", "fsutil"},
    "storage": {"core", "security", "fsutil", "paths"},
    # the Word export reads domain objects (never the database) and writes bytes
    "export": {"core", "paths"},
    # the one layer under both the window and the command line
    "services": {"core", "security", "storage", "export", "fsutil", "paths"},
    # the window: services and the domain; the composition root hands it the services, never
    # the vault (see the checks at the end of this file).
    # Of the security layer, only the error types it shows and the passphrase policy its
    # strength meter applies (both pure, no keys, no files).
    "ui": {"core", "services", "settings", "paths", "fsutil", "security.errors",
           "security.passphrase_policy"},
    # the composition root of the window: builds the vault and hands it to the window
    "app": {"core", "security", "storage", "services", "ui", "settings", "paths", "fsutil",
            "diagnostics"},
    # the command line: its own composition root (it opens the vault for each command)
    "cli": {"cli_common", "cli_council", "cli_between", "cli_review", "app", "core",
            "security", "storage", "services", "settings", "paths", "fsutil", "diagnostics"},
    "cli_common": {"core", "security", "storage", "services", "paths", "fsutil",
                   "diagnostics"},
    "cli_council": {"cli_common", "core", "security", "storage", "services", "paths",
                    "fsutil"},
    "cli_between": {"cli_common", "core", "security", "storage", "services", "paths",
                    "fsutil"},
    "cli_review": {"cli_common", "core", "security", "storage", "services", "paths",
                   "fsutil"},
    "__main__": {"app", "cli", "diagnostics", "fsutil"},
}.items()}

# What still crosses a rule, each with its reason. This list may only shrink: a new entry
# needs a reason as good as these.
ALLOWED_EXCEPTIONS: dict[tuple[str, str], str] = {}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _our_imports(path: Path) -> list[tuple[str, int]]:
    """Every module of ours that ``path`` imports, wherever the import statement stands,
    with its line: ``from iro_desktop.x import y`` counts as ``iro_desktop.x.y`` when y is a
    module, relative imports are resolved."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] ==
                    "iro_desktop"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "iro_desktop":
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                where = PACKAGE_DIR.parent / sub.replace(".", "/")
                is_module = where.with_suffix(".py").exists() or where.is_dir()
                out.append((sub if is_module else target, node.lineno))
    return out


def _part(module: str) -> str:
    """``iro_desktop.services.reviews`` -> ``services``; ``iro_desktop`` -> ``""``."""
    return module.split(".")[1] if "." in module else ""


def _allowed(importer: str, imported: str) -> bool:
    part, target = _part(importer), _part(imported)
    if target in ("", part):
        return True
    rules = ALLOWED[part]
    inner = ".".join(imported.split(".")[1:])
    return target in rules or any(inner == r or inner.startswith(r + ".") for r in rules)


def layer_violations(files: list[Path]) -> list[str]:
    found = []
    for path in files:
        importer = _module_name(path)
        if importer.startswith("iro_desktop.storage.migrations"):
            continue  # Alembic's scripts: they import the ORM models, at migration time only
        for imported, line in _our_imports(path):
            message = f"{importer}:{line} imports {imported}"
            if not _allowed(importer, imported) and message not in found and \
                    (importer, imported) not in ALLOWED_EXCEPTIONS:
                found.append(message)
    return found


def test_every_part_of_the_package_has_a_rule() -> None:
    parts = {_part(_module_name(p)) for p in _python_files()} - {""}
    parts -= {"resources"}  # data, no code of its own beyond the package marker
    assert parts == set(ALLOWED)


def test_every_import_follows_the_layer_rules() -> None:
    assert layer_violations(_python_files()) == []


def test_the_exceptions_still_exist() -> None:
    """An exception that is no longer needed is taken off the list (so it cannot return)."""
    seen = {(_module_name(p), m) for p in _python_files() for m, _ in _our_imports(p)}
    assert [e for e in ALLOWED_EXCEPTIONS if e not in seen] == []


def _fake_package(tmp_path: Path, files: dict[str, str]) -> list[Path]:
    out = []
    for rel, text in files.items():
        path = tmp_path / "iro_desktop" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        out.append(path)
    return out


def test_the_rules_catch_a_violation(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Guard: the same check reports a core module that imports a service (inside a
    function), an export module that reads the storage, and a view that imports the vault
    through a relative import; it lets a lawful import pass."""
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_DIR", tmp_path / "iro_desktop")
    files = _fake_package(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/rules.py": "def f():\n    from iro_desktop.services.reviews import ReviewService\n",
        "services/__init__.py": "",
        "services/reviews.py": "from iro_desktop.core import rules\n",
        "storage/__init__.py": "",
        "storage/vault.py": "",
        "export/__init__.py": "",
        "export/letter.py": "from iro_desktop.storage import vault\n",
        "ui/__init__.py": "",
        "ui/views/__init__.py": "",
        "ui/views/page.py": "from ...storage.vault import Vault\nfrom ...services import reviews\n",
    })
    found = layer_violations(files)
    assert found == [
        "iro_desktop.core.rules:2 imports iro_desktop.services.reviews",
        "iro_desktop.export.letter:1 imports iro_desktop.storage.vault",
        "iro_desktop.ui.views.page:1 imports iro_desktop.storage.vault",
    ]


def import_circles(files: list[Path]) -> list[list[str]]:
    """Groups of modules that import each other, directly or through others (lazy imports
    included). A module importing its own package's ``__init__`` is not counted."""
    modules = {_module_name(p): p for p in files}
    graph = {name: {m for m, _ in _our_imports(path)
                    if m in modules and m != name and not name.startswith(m + ".")}
             for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


def test_no_import_circle_between_modules() -> None:
    """Shared pieces live one floor down, where both sides import them at the top; no
    function-level import hides a circle."""
    assert import_circles(_python_files()) == []


def test_the_circle_check_sees_a_circle_hidden_in_a_function(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE_DIR", tmp_path / "iro_desktop")
    files = _fake_package(tmp_path, {
        "__init__.py": "",
        "services/__init__.py": "from iro_desktop.services.a import A\n",
        "services/a.py": "from iro_desktop.services.b import B\nA = 1\n",
        "services/b.py": "B = 2\ndef later():\n    from iro_desktop.services import c\n",
        "services/c.py": "def f():\n    from iro_desktop.services.a import A\n",
    })
    assert import_circles(files) == [
        ["iro_desktop.services.a", "iro_desktop.services.b", "iro_desktop.services.c"]]


# ---- the window talks to services, which the composition root makes ---------------------------
#
# app.py opens the vault and builds the window's services (``app.build_services``:
# ``services/app_services.AppServices``, with ``services/access.VaultAccess`` for unlocking,
# locking and the council list); the window receives them. No module of the window reads an
# attribute named ``vault`` (the vault is not a facade for the window, nor taken out of a
# service it was given), and the main window and its Councils actions make no service.

WINDOW_MODULES = ("ui/main_window.py", "ui/council_actions.py")


def vault_reads(path: Path) -> list[int]:
    """The lines where ``path`` reads an attribute named ``vault`` (``self.vault``,
    ``window.vault``, ``self.c.service.vault``...)."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    return sorted(node.lineno for node in ast.walk(tree)
                  if isinstance(node, ast.Attribute) and node.attr == "vault")


def test_no_ui_module_reads_a_vault_attribute() -> None:
    found = {p.relative_to(PACKAGE_DIR).as_posix(): vault_reads(p) for p in _python_files()
             if p.relative_to(PACKAGE_DIR).parts[0] == "ui"}
    assert len(found) > 20  # the walk covered the window
    assert {m: lines for m, lines in found.items() if lines} == {}


def test_the_vault_check_sees_every_way_to_the_vault(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f(self, window, profiles):\n    self.vault.lock()\n"
                     "    window.vault.lock()\n"
                     "    return Outbox(self.c.service.vault), profiles.vault.councils()\n"
                     "def g(vault):\n    return vault.councils()\n", "utf-8")
    assert vault_reads(probe) == [2, 3, 4, 4]  # a parameter named vault is not an attribute


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and (
        (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING")
        or (isinstance(node.test, ast.Attribute) and node.test.attr == "TYPE_CHECKING"))


def _service_name(node: ast.expr) -> str:
    """``ReviewService`` for ``ReviewService`` or ``reviews.ReviewService``; else ""."""
    name = node.id if isinstance(node, ast.Name) else (
        node.attr if isinstance(node, ast.Attribute) else "")
    return name if name.endswith("Service") else ""


def service_constructions(path: Path) -> list[str]:
    """Where ``path`` makes a service: a call of a ``...Service`` class or of one of its
    class methods (``ExportService.of_reviews(...)``), and any import of a ``...Service``
    class at run time (under ``if TYPE_CHECKING`` it is only a type). ``line: what``."""
    tree = ast.parse(path.read_text("utf-8"), filename=str(path))
    found: list[str] = []

    def visit(node: ast.AST) -> None:
        if _is_type_checking(node):
            for child in node.orelse:  # the else branch runs
                visit(child)
            return
        if isinstance(node, ast.Call):
            made = _service_name(node.func)
            if not made and isinstance(node.func, ast.Attribute):
                owner = _service_name(node.func.value)
                made = f"{owner}.{node.func.attr}" if owner else ""
            if made:
                found.append(f"{node.lineno}: {made}(...)")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "iro_desktop.services"):
            found.extend(f"{node.lineno}: import {a.name}" for a in node.names
                         if a.name.endswith("Service"))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def test_the_window_makes_no_service() -> None:
    """The composition root makes the services (app.build_services); the main window and
    its Councils actions only ask them."""
    for module in WINDOW_MODULES:
        assert (PACKAGE_DIR / module).is_file(), module
    assert {m: service_constructions(PACKAGE_DIR / m) for m in WINDOW_MODULES} == \
        {m: [] for m in WINDOW_MODULES}


def test_the_service_check_sees_a_service_made(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from iro_desktop.services.reviews import ReviewService\n"  # a type only: allowed
        "def f(self, services):\n"
        "    from iro_desktop.services.outbox import OutboxService as Box\n"
        "    reviews = self.services.reviews\n"  # asking the container: allowed
        "    a = ReviewService(self.x)\n"
        "    b = ExportService.of_reviews(reviews, '')\n"
        "    c = services_module.SearchService(self.x)\n"
        "    return Box(self.x), a, b, c\n", "utf-8")
    assert service_constructions(probe) == [
        "5: import OutboxService", "7: ReviewService(...)", "8: ExportService.of_reviews(...)",
        "9: SearchService(...)"]
